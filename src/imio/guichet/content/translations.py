"""Translations of a procedure (plone.app.multilingual), when the site has it.

A procedure and its translations are one procedure in several languages:
they share one form, one set of settings and one set of submissions, those
of the *canonical* procedure, the member of the translation group created
first (see docs/multilingual.md). Without plone.app.multilingual, or for
content that is not translatable, every procedure is its own canonical one
and has no language of its own: the site works as in one language.
"""

from Acquisition import aq_base
from imio.guichet.errors import OriginalHasTranslations
from imio.guichet.i18n import base_language
from imio.guichet.i18n import site_languages
from plone import api
from plone.base.interfaces import IPloneSiteRoot
from plone.uuid.interfaces import IUUID
from zExceptions import NotFound

import contextlib
import contextvars
import transaction


try:
    from plone.app.multilingual.interfaces import ITranslatable
    from plone.app.multilingual.interfaces import ITranslationManager
except ImportError:  # pragma: no cover - the add-on does not need it
    ITranslatable = None
    ITranslationManager = None


#: The behavior plone.app.multilingual gives translatable types.
TRANSLATABLE_BEHAVIOR = "plone.translatable"


def is_translatable(obj) -> bool:
    """Whether ``obj`` may have translations: plone.app.multilingual made it
    translatable and the site has more than one language (a site in one
    language reads no translation group: it works and costs as without
    that add-on)."""
    if ITranslatable is None or not ITranslatable.providedBy(obj):
        return False
    return len(site_languages()) > 1


class _GroupsKey:
    """The key of the translation groups read in a transaction
    (``transaction.Transaction.data``)."""


_GROUPS = _GroupsKey()


def _groups_read() -> dict:
    """``{translation group: {language: object}}`` read in the current
    transaction: one catalog query per group and transaction, whatever the
    number of ``IOnlineForm(obj)`` adaptations. The next transaction reads
    them again (another process may have translated meanwhile); within
    this one, :func:`forget_translations` drops them whenever a translation
    is added, removed, linked or changes language."""
    current = transaction.get()
    try:
        return current.data(_GROUPS)
    except KeyError:
        groups = {}
        current.set_data(_GROUPS, groups)
        return groups


def forget_translations(*_ignored) -> None:
    """Forget the translation groups read in this transaction (a subscriber
    of the events that change one; no site needed)."""
    with contextlib.suppress(KeyError):
        transaction.get().data(_GROUPS).clear()


#: What :func:`canonical` and :func:`translations_of` answered within
#: :func:`groups_unchanged`, by (kind, connection, oid); None outside.
_UNCHANGED: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "imio.guichet translation groups unchanged", default=None
)


@contextlib.contextmanager
def groups_unchanged():
    """A block whose code adds, removes and links no translation: what
    :func:`canonical` and :func:`translations_of` answer for an object is
    remembered until its end, even once the transaction has written.

    A filing asks for its procedure's canonical one and translations a
    dozen times after storing the submission (its form, settings, e-mails,
    webhooks, counters): outside such a block, a transaction that wrote
    asks the translation machinery each time (it may be registering a
    translation half-way, before any event says so)."""
    token = _UNCHANGED.set({}) if _UNCHANGED.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _UNCHANGED.reset(token)


def _answer_key(kind: str, obj) -> tuple | None:
    """The key of ``obj``'s answer of ``kind`` in the memories of answers
    (the groups read, :func:`groups_unchanged`'s); None for an object never
    stored."""
    oid = getattr(aq_base(obj), "_p_oid", None)
    # An oid is unique in its database only: the connection is in the key.
    return None if oid is None else (kind, getattr(obj, "_p_jar", None), oid)


#: The key of :func:`translations_of`'s answers in that memory.
_TRANSLATIONS = "translations of"


def translations_of(obj) -> dict:
    """``{language: object}`` of ``obj``'s translation group (``obj`` alone,
    under its language or "", when it has none). Unrestricted: a translation
    the reader may not see still belongs to the group."""
    unchanged = _UNCHANGED.get()
    key = None if unchanged is None else _answer_key(_TRANSLATIONS, obj)
    if key is not None and key in unchanged:
        return dict(unchanged[key])
    if not is_translatable(obj):
        translations = {language_of(obj) or "": obj}
    else:
        manager = ITranslationManager(obj)
        groups = _groups_read()
        translations = groups.get(manager.tg)
        if translations is None:
            translations = groups[manager.tg] = _group(manager)
        translations = dict(translations) or {language_of(obj) or "": obj}
    if key is not None:
        unchanged[key] = dict(translations)
    return translations


#: ``{(database, catalog, translation group): (catalog state, {language:
#: path})}``: where each group's members were in the catalog's last
#: committed state that a request of this process read. Every page of a
#: procedure asks for its group (its form, settings and submissions are the
#: canonical procedure's): this spares them the catalog query. Paths only,
#: never objects (those belong to one connection).
_COMMITTED_GROUPS: dict = {}
#: Emptied past this many groups (one per translated item read).
_COMMITTED_GROUPS_MAX = 10_000


def _catalog_state(catalog):
    """The catalog's committed state, as the serial of its change counter
    (every indexing, unindexing or move counts); None when this transaction
    wrote anything (what it reads may not be committed: a savepoint even
    clears ``_p_changed``), or the catalog keeps no counter or is not
    stored."""
    catalog.getCounter()  # indexes what waits in the queue: that writes
    counter = getattr(aq_base(catalog), "_counter", None)
    if counter is None or not _nothing_written(catalog._p_jar):
        return None
    return counter._p_serial


def _nothing_written(connection) -> bool:
    """Whether ``connection`` has written nothing in this transaction. ZODB
    has no public way to ask: a connection joins the transaction at its
    first write (``Connection._register``, which clears ``_needs_to_join``)
    and sets the flag again when the transaction ends (``_tpc_cleanup``,
    or an abort). Only the connection asked about counts (the catalog's,
    or the object's); a connection without that flag turns the caches
    off."""
    return connection is not None and getattr(connection, "_needs_to_join", False)


def _group(manager) -> dict:
    """``{language: object}`` of ``manager``'s group, from the paths
    remembered for the catalog's committed state, else from the catalog
    (plone.app.multilingual's query)."""
    catalog = manager.pcatalog
    state = None if catalog is None else _catalog_state(catalog)
    if state is None:
        return manager.get_translations()
    key = (catalog._p_jar.db().database_name, catalog._p_oid, manager.tg)
    remembered = _COMMITTED_GROUPS.get(key)
    if remembered is not None and remembered[0] == state:
        root = catalog.getPhysicalRoot()
        try:
            return {
                language: root.unrestrictedTraverse(path)
                for language, path in remembered[1].items()
            }
        except (KeyError, AttributeError, NotFound):
            # Gone without the counter moving (a catalog cleared by hand in
            # the ZMI does not count): ask the catalog.
            _COMMITTED_GROUPS.pop(key, None)
    translations = manager.get_translations()
    if _nothing_written(catalog._p_jar):
        if len(_COMMITTED_GROUPS) >= _COMMITTED_GROUPS_MAX:
            _COMMITTED_GROUPS.clear()
        _COMMITTED_GROUPS[key] = (
            state,
            {language: o.getPhysicalPath() for language, o in translations.items()},
        )
    return translations


#: Keys of :func:`canonical`'s answers among the groups read.
_CANONICAL = "canonical of"
_UNKNOWN = object()


def _created_first(item: tuple) -> tuple:
    language, obj = item
    created = obj.created() if callable(getattr(obj, "created", None)) else None
    return (created is None, created.micros() if created else 0, language)


def canonical(obj):
    """The procedure whose form and submissions ``obj`` shares: the member of
    its translation group created first (``obj`` itself when untranslated).

    Creation dates do not change, so the canonical procedure stays the same
    whichever translation is added, edited or moved later.

    Asked several times by each page of a procedure (its form, settings,
    availability, privacy information): answered once per object in a
    transaction that has written nothing (one that writes may be indexing
    a translation half-way: it asks each time), or within
    :func:`groups_unchanged`."""
    jar = getattr(obj, "_p_jar", None)
    key = _answer_key(_CANONICAL, obj)
    unchanged = _UNCHANGED.get() if key is not None else None
    remembered = key is not None and _nothing_written(jar)
    read = _groups_read()
    known = _UNKNOWN if unchanged is None else unchanged.get(key, _UNKNOWN)
    if known is _UNKNOWN and remembered:
        known = read.get(key, _UNKNOWN)
    if known is _UNKNOWN:
        translations = translations_of(obj)
        first = (
            min(translations.items(), key=_created_first)[1]
            if len(translations) > 1
            else obj
        )
        known = None if IUUID(first, None) == IUUID(obj, None) else first
        if remembered and _nothing_written(jar):
            read[key] = known
    if unchanged is not None:
        unchanged[key] = known
    # The caller's own object keeps the wrapper it was reached through.
    return obj if known is None else known


def canonical_uid(obj) -> str | None:
    """The uid back offices know ``obj`` by: its canonical procedure's."""
    return IUUID(canonical(obj), None)


def refuse_removing_the_original(obj, event) -> None:
    """Refuse to delete ``obj`` while it is the canonical procedure of
    translations that stay (a subscriber of ``IObjectWillBeRemovedEvent``).

    Its translations read its form, settings and submissions (submissions
    keep the canonical procedure's uid: they would be left without a
    procedure, and the translation created next would become canonical
    with a default form). Delete the translations first. Deleting a folder
    that holds the original and every translation, or the site, is not
    refused: nothing is left to read them."""
    if getattr(event, "newParent", None) is not None:
        return  # moved or renamed, not deleted
    if IPloneSiteRoot.providedBy(event.object):
        return
    try:
        api.portal.get()
    except api.exc.CannotGetPortalError:
        return
    if not is_translatable(obj):
        return
    # The catalog may have forgotten ``obj`` already (it is unindexed as it
    # is about to go): the group is its translations and itself.
    group = {IUUID(other, None): other for other in translations_of(obj).values()}
    group[IUUID(obj, None)] = obj
    first = min(((language_of(o) or "", o) for o in group.values()), key=_created_first)
    if len(group) < 2 or IUUID(first[1], None) != IUUID(obj, None):
        return
    removed = event.object.getPhysicalPath()
    staying = [
        other
        for other in group.values()
        if other.getPhysicalPath()[: len(removed)] != removed
    ]
    if staying:
        raise OriginalHasTranslations(url=obj.absolute_url())


def title_in(obj, language: str | None) -> str:
    """``obj``'s title in ``language``: its translation's in that language
    where it has one (a German filing's e-mails, receipt and pages name
    the procedure as the German page does), its own otherwise."""
    translated = translations_of(obj).get(base_language(language), obj)
    return translated.Title()


def language_of(obj) -> str | None:
    """The language ``obj`` is written in (None: not said)."""
    language = getattr(obj, "Language", None)
    language = language() if callable(language) else language
    return language or None


def reading_language(obj, asked: str | None) -> str | None:
    """The language a page or answer about ``obj`` is in: a translation's
    own language (its URL says which), else the one ``asked`` (the
    visitor's)."""
    return translation_language(obj) or asked


def translation_language(obj) -> str | None:
    """The language of ``obj`` when it is one of several translations (its
    pages are then in that language whatever the visitor's browser asks);
    None for a procedure in one language."""
    if not is_translatable(obj) or len(translations_of(obj)) < 2:
        return None
    return language_of(obj)


#: plone.app.multilingual's profile.
MULTILINGUAL_PROFILE = "plone.app.multilingual:default"


def multilingual_installed(site) -> bool:
    """Whether plone.app.multilingual is installed in ``site``."""
    if ITranslatable is None:
        return False
    version = site.portal_setup.getLastVersionForProfile(MULTILINGUAL_PROFILE)
    return version not in (None, "unknown")


def make_procedures_translatable(site) -> bool:
    """Give the procedure type plone.app.multilingual's behavior when that
    add-on is there (it gives it to the types it finds when installed, not
    to those installed after it). Without it, nothing: the guichet does not
    need it. Whether the type is translatable now."""
    from imio.guichet.content.procedure import PROCEDURE_TYPE

    # Its code may be there (loaded with Plone's add-ons) without its being
    # installed in this site: only an installed one keeps translation groups.
    if not multilingual_installed(site):
        return False
    fti = site.portal_types.get(PROCEDURE_TYPE)
    if fti is None:
        return False
    if TRANSLATABLE_BEHAVIOR not in fti.behaviors:
        fti.behaviors = (*fti.behaviors, TRANSLATABLE_BEHAVIOR)
    return True
