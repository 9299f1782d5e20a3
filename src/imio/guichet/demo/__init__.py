"""Demo site of a small commune, for ``make start`` only.

Installing the add-on never calls this: real sites get no demo content and
no demo accounts. Every step is idempotent, so ``make start`` can run it on
each start without touching what is already there.
"""

from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SecurityManagement import noSecurityManager
from datetime import datetime
from imio.guichet.content.procedure import INFORMATION_FIELDS
from imio.guichet.permissions import BACK_OFFICE_ROLE
from imio.guichet.permissions import ViewNationalRegisterNumbers
from imio.guichet.urls import PUBLIC_URL_RECORD
from pathlib import Path
from plone import api
from plone.app.textfield.value import RichTextValue
from plone.base.utils import get_installer
from zope.component.hooks import setSite

import logging


logger = logging.getLogger("imio.guichet.demo")

SITE_ID = "Plone"
FORMS = Path(__file__).parent / "forms"

#: The demo site is in French, with German as its second language: its
#: content lives in plone.app.multilingual's language root folders,
#: ``/Plone/fr`` and ``/Plone/de``, as on a real multilingual site.
LANGUAGES = ["fr", "de"]
#: The folder of the procedures (*Démarches en ligne*), in the French root
#: folder; its German translation has the same id in the German one.
PROCEDURES_FOLDER = "demarches"
#: Where the demo's procedures are, from the site's URL:
#: ``f"{site_url}/{PROCEDURES_PATH}/declaration-de-perte"``.
PROCEDURES_PATH = f"{LANGUAGES[0]}/{PROCEDURES_FOLDER}"
#: Where their German translations are.
GERMAN_PROCEDURES_PATH = f"{LANGUAGES[1]}/{PROCEDURES_FOLDER}"

#: Demo only: these passwords are printed by `make start`.
ZOPE_ADMIN = ("admin", "admin")
ACCOUNTS = {
    "backoffice": {
        "password": "backoffice",
        "email": "backoffice@guichetville.be",
        "fullname": "Service population (back office)",
    },
    "citoyen": {
        "password": "citoyen",
        "email": "citoyen@example.org",
        "fullname": "Camille Citoyen",
    },
}


def html(text: str) -> RichTextValue:
    return RichTextValue(text, "text/html", "text/x-html-safe")


PAGES = [
    {
        "id": "horaires",
        "title": "Horaires de l'administration communale",
        "description": "Quand nos services vous accueillent.",
        "text": "<p>Du lundi au vendredi de 8 h 30 à 12 h. Le mercredi après-midi "
        "sur rendez-vous de 13 h 30 à 16 h.</p>",
    },
    {
        "id": "contact",
        "title": "Nous contacter",
        "description": "Adresse, téléphone et e-mail de l'administration.",
        "text": "<p>Administration communale de Guichetville, Place communale 1, "
        "5000 Guichetville. Tél. 081 00 00 00. info@guichetville.be</p>",
    },
]

PROCEDURES = [
    {
        "id": "extrait-acte-de-naissance",
        "privacy": {
            "privacy_purpose": "Délivrer l'extrait ou la copie d'acte de "
            "naissance demandé.",
            "privacy_legal_basis": "c",
            "privacy_legal_reference": "Code civil, livre 1er, titre 2 (actes "
            "de l'état civil)",
            "privacy_recipients": ["Service État civil"],
            "privacy_data_subjects": ["Demandeurs", "Personnes nommées dans l'acte"],
        },
        "title": "Demande d'extrait d'acte de naissance",
        "description": "Obtenez un extrait ou une copie de votre acte de naissance.",
        "form": "extrait-acte-de-naissance.xml",
        "subjects": ("État civil",),
        "eligibility": "<p>La personne concernée, son conjoint, ses ascendants ou "
        "descendants, ou leur représentant légal.</p>",
        "required_documents": "<p>Aucun document si la demande est faite en ligne; "
        "au guichet, votre carte d'identité.</p>",
        "cost": "<p>Gratuit.</p>",
        "delay": "<p>2 jours ouvrables.</p>",
        "legal_basis": "<p>Code civil, livre 1<sup>er</sup>, titre 2 (actes de "
        "l'état civil).</p>",
        "contact": "<p>Service État civil — etatcivil@guichetville.be — "
        "081 00 00 10</p>",
        "opening_hours": "<p>Du lundi au vendredi de 9 h à 12 h, le mercredi "
        "aussi de 14 h à 16 h.</p>",
    },
    {
        "id": "declaration-de-perte",
        "privacy": {
            "privacy_purpose": "Vous prévenir si un objet correspondant à votre "
            "déclaration est déposé.",
            "privacy_legal_basis": "e",
            "privacy_legal_reference": "Code civil, art. 2279; règlement "
            "communal sur les objets trouvés",
            "privacy_recipients": ["Service Population"],
            "privacy_mandatory": "request",
            "privacy_data_subjects": ["Déclarants"],
        },
        "title": "Déclaration de perte d'un objet",
        "description": "Signalez un objet perdu sur le territoire communal.",
        "form": "declaration-de-perte.xml",
        "subjects": ("Objets trouvés",),
        "eligibility": "<p>Toute personne ayant perdu un objet à Guichetville.</p>",
        "required_documents": "<p>Aucun.</p>",
        "cost": "<p>Gratuit.</p>",
        "delay": "<p>Nous vous contactons dès qu'un objet correspondant est "
        "déposé.</p>",
        "contact": "<p>Service Population — objets.trouves@guichetville.be</p>",
    },
    {
        "id": "occupation-domaine-public",
        "privacy": {
            "privacy_purpose": "Instruire votre demande d'autorisation "
            "d'occuper la voirie et calculer la redevance.",
            "privacy_legal_basis": "e",
            "privacy_legal_reference": "Nouvelle loi communale, art. 135 § 2; "
            "règlement général de police, chapitre 3",
            "privacy_recipients": [
                "Service Travaux",
                "Service Finances",
                "Police locale",
            ],
            "privacy_data_subjects": ["Demandeurs (particuliers et entreprises)"],
        },
        "title": "Demande d'occupation du domaine public",
        "description": "Conteneur, échafaudage, déménagement, terrasse: demandez "
        "l'autorisation d'occuper la voirie.",
        "form": "occupation-domaine-public.xml",
        "subjects": ("Travaux", "Voirie"),
        "allow_anonymous": False,
        # Prefilled from the register, but a company applies in its own
        # name: the citizen may correct what the register said.
        "allow_correcting_prefill": True,
        "eligibility": "<p>Particuliers et entreprises.</p>",
        "required_documents": "<p>Un plan d'implantation si l'occupation dépasse "
        "10 m².</p>",
        "cost": "<p>Redevance de 1 € par m² et par jour (règlement-redevance "
        "communal).</p>",
        "delay": "<p>Introduisez votre demande au moins 10 jours ouvrables avant "
        "l'occupation.</p>",
        "legal_basis": "<p>Règlement général de police, chapitre 3.</p>",
        "contact": "<p>Service Travaux — travaux@guichetville.be — 081 00 00 30</p>",
    },
    {
        "id": "composition-de-menage",
        "privacy": {
            "privacy_purpose": "Délivrer le certificat de composition de votre ménage.",
            "privacy_legal_basis": "c",
            "privacy_legal_reference": "Arrêté royal du 16 juillet 1992 relatif "
            "à la communication des informations contenues dans les registres "
            "de la population",
            "privacy_recipients": ["Service Population"],
            "privacy_mandatory": "law",
            "privacy_data_subjects": ["Demandeurs", "Membres du ménage"],
        },
        "title": "Demande de composition de ménage",
        "description": "Obtenez le certificat de composition de votre ménage.",
        "form": "composition-de-menage.xml",
        "subjects": ("Population",),
        # About the citizen's person: itsme or eID (level "substantial").
        "require_verified_identity": True,
        "eligibility": "<p>La personne inscrite dans la commune, pour son "
        "propre ménage.</p>",
        "required_documents": "<p>Aucun: vous vous identifiez avec itsme ou "
        "votre carte d'identité électronique.</p>",
        "cost": "<p>Gratuit en ligne.</p>",
        "delay": "<p>1 jour ouvrable.</p>",
        "legal_basis": "<p>Arrêté royal du 16 juillet 1992 relatif à la "
        "communication des informations contenues dans les registres de la "
        "population.</p>",
        "contact": "<p>Service Population — population@guichetville.be — "
        "081 00 00 20</p>",
    },
    {
        "id": "stages-ete",
        "privacy": {
            "privacy_purpose": "Inscrire votre enfant aux stages d'été et "
            "l'accueillir en sécurité.",
            "privacy_legal_basis": "e",
            "privacy_legal_reference": "Décret du 28 avril 2004 relatif à "
            "l'accueil durant le temps libre",
            "privacy_recipients": ["Service Jeunesse", "Animateurs des stages"],
            "privacy_data_subjects": ["Enfants inscrits", "Parents"],
            # Allergies and medical information.
            "privacy_special_categories": ["health"],
        },
        "title": "Inscription aux stages d'été",
        "description": "Plaines de jeux et stages pour les enfants de 3 à 12 ans.",
        "form": "stages-ete.xml",
        "subjects": ("Jeunesse",),
        # Shows the "not yet open" message on the procedure page.
        "opening_date": datetime(datetime.now().year + 1, 4, 1, 9, 0),
        "eligibility": "<p>Enfants de 3 à 12 ans.</p>",
        "cost": "<p>50 € par semaine.</p>",
        "contact": "<p>Service Jeunesse — jeunesse@guichetville.be</p>",
    },
]


def ensure_zope_admin(app) -> None:
    username, password = ZOPE_ADMIN
    if app.acl_users.getUser(username) is None:
        app.acl_users._doAddUser(username, password, ["Manager"], [])


def ensure_site(app):
    """The demo Plone site, created once (French, Classic UI)."""
    if SITE_ID in app.objectIds():
        return app[SITE_ID]
    from plone.distribution.api import site as site_api

    logger.info("Creating the demo site %s", SITE_ID)
    return site_api.create(
        app,
        "classic",
        {
            "site_id": SITE_ID,
            "title": "Commune de Guichetville",
            "description": "Site de démonstration d'imio.guichet",
            "default_language": "fr",
            "portal_timezone": "Europe/Brussels",
            "setup_content": False,
        },
    )


def ensure_addon(portal) -> None:
    installer = get_installer(portal)
    if not installer.is_product_installed("imio.guichet"):
        installer.install_product("imio.guichet")


def ensure_published(container, portal_type: str, item_id: str, **fields):
    """The item ``item_id`` of ``container``, created and published if missing."""
    if item_id not in container:
        item = api.content.create(container, portal_type, id=item_id, **fields)
        api.content.transition(item, "publish")
    return container[item_id]


def content_root(portal):
    """Where the demo's French content goes: plone.app.multilingual's French
    root folder (:func:`ensure_languages` makes it first), or the site
    itself in a site of one language (as some tests build it)."""
    if LANGUAGES[0] in portal.objectIds():
        return portal[LANGUAGES[0]]
    return portal


def procedures_folder(portal):
    """The demo's folder of procedures, *Démarches en ligne*."""
    return content_root(portal)[PROCEDURES_FOLDER]


def warn_of_content_at_the_root(portal) -> None:
    """A demo site made before its content moved into the language root
    folders (issue #17) keeps that content at the site's root, which no
    menu of a language reaches: it is not moved (it may hold requests),
    say how to start over."""
    if {LANGUAGES[0], PROCEDURES_FOLDER} <= set(portal.objectIds()):
        logger.warning(
            "This demo site has its content at the root (/%s/%s), made before "
            "the language folders: run `make clean-instance`, then `make start`, "
            "to recreate it",
            portal.getId(),
            PROCEDURES_FOLDER,
        )


def ensure_content(portal) -> None:
    root = content_root(portal)
    for page in PAGES:
        ensure_published(
            root,
            "Document",
            page["id"],
            title=page["title"],
            description=page["description"],
            text=html(page["text"]),
        )
    folder = ensure_published(
        root,
        "Folder",
        PROCEDURES_FOLDER,
        title="Démarches en ligne",
        description="Faites vos demandes à la commune, en ligne, 24 h sur 24.",
    )
    for spec in PROCEDURES:
        info = {key: html(spec[key]) for key in INFORMATION_FIELDS if key in spec}
        ensure_published(
            folder,
            "imio.guichet.Procedure",
            spec["id"],
            title=spec["title"],
            description=spec["description"],
            subject=spec["subjects"],
            form_schema=(FORMS / spec["form"]).read_text(encoding="utf-8"),
            allow_anonymous=spec.get("allow_anonymous", True),
            require_verified_identity=spec.get("require_verified_identity", False),
            allow_correcting_prefill=spec.get("allow_correcting_prefill", False),
            opening_date=spec.get("opening_date"),
            **spec["privacy"],
            **info,
        )


#: The procedure translated into German, with its German page and the
#: German texts of its form (docs/multilingual.md).
GERMAN = {
    "procedure": "extrait-acte-de-naissance",
    "folder_title": "Online-Verfahren",
    "folder_description": "Stellen Sie Ihre Anträge bei der Gemeinde online, "
    "rund um die Uhr.",
    "title": "Antrag auf einen Auszug aus der Geburtsurkunde",
    "description": "Erhalten Sie einen Auszug oder eine Abschrift Ihrer "
    "Geburtsurkunde.",
    "labels": {
        "title/last_name": "Name der betroffenen Person",
        "title/first_name": "Vorname(n)",
        "title/birth_date": "Geburtsdatum",
        "title/birth_place": "Geburtsort",
        "title/national_number": "Nationalregisternummer",
        "description/national_number": "11 Ziffern, auf der Rückseite Ihres "
        "Personalausweises, oder BIS-Nummer (freiwillig).",
        "title/purpose": "Grund des Antrags",
        "choice/purpose/administration": "Verwaltungsverfahren",
        "choice/purpose/marriage": "Eheschließung oder gesetzliches Zusammenwohnen",
        "choice/purpose/employment": "Beschäftigung",
        "choice/purpose/other": "Sonstiges",
        "title/delivery": "Art der Zustellung",
        "choice/delivery/email": "Per E-Mail",
        "choice/delivery/post": "Per Post",
        "choice/delivery/counter": "Abholung am Schalter",
        "title/email": "E-Mail-Adresse",
        "title/postal_address": "Postanschrift",
        "description/postal_address": "Nur für einen Versand per Post.",
    },
}


def ensure_languages(portal) -> None:
    """French and German, the visitor's choice kept in a cookie (the
    language switcher), plone.app.multilingual installed with its language
    root folders (``/fr``, ``/de``; the site's root leads to the visitor's).
    Before any content: the demo's is created in them."""
    api.portal.set_registry_record("plone.available_languages", LANGUAGES)
    api.portal.set_registry_record("plone.default_language", LANGUAGES[0])
    api.portal.set_registry_record("plone.use_cookie_negotiation", True)
    installer = get_installer(portal)
    if not installer.is_product_installed("plone.app.multilingual"):
        # Its installation makes the root folders of the languages above.
        installer.install_product("plone.app.multilingual")
    if not set(LANGUAGES) <= set(portal.objectIds()):
        from plone.app.multilingual.browser.setup import SetupMultilingualSite

        SetupMultilingualSite().setupSite(portal)
    from imio.guichet.content.translations import make_procedures_translatable

    make_procedures_translatable(portal)


def ensure_translation(portal) -> None:
    """The German translation of one procedure (and of its folder), and the
    German texts of its form, where missing. plone.app.multilingual puts
    them in the German root folder (``/de/demarches/…``), whose menu shows
    the translated folder to German visitors."""
    from imio.guichet.caller import script_caller
    from imio.guichet.content.behaviors import IOnlineForm
    from imio.guichet.usecases.forms import translate_form
    from plone.app.multilingual.interfaces import ITranslationManager

    folder = procedures_folder(portal)
    original = folder[GERMAN["procedure"]]
    for item in (folder, original):
        if not item.Language():
            item.setLanguage(LANGUAGES[0])
            item.reindexObject()
    for item, title, description in (
        (folder, GERMAN["folder_title"], GERMAN["folder_description"]),
        (original, GERMAN["title"], GERMAN["description"]),
    ):
        translations = ITranslationManager(item)
        if not translations.has_translation("de"):
            german = translations.add_translation("de")
            german.title = title
            german.description = description
            german.reindexObject()
            api.content.transition(german, "publish")
    if not IOnlineForm(original).form_labels("de"):
        translate_form(script_caller(ZOPE_ADMIN[0]), original, "de", GERMAN["labels"])


#: The demo authority, with its data protection officer (no procedure
#: opens without one).
AUTHORITY = {
    "official_name": "Commune de Guichetville",
    "street": "Place communale 1",
    "postal_code": "5000",
    "locality": "Guichetville",
    "email": "info@guichetville.be",
    "dpo_name": "Délégué à la protection des données",
    "dpo_email": "dpo@guichetville.be",
}


def ensure_authority(portal) -> None:
    """The demo authority's identity, where the control panel is empty."""
    from imio.guichet.authority import IAuthority

    for name, value in AUTHORITY.items():
        if not api.portal.get_registry_record(name, interface=IAuthority, default=""):
            api.portal.set_registry_record(name, value, interface=IAuthority)


def ensure_accounts(portal) -> None:
    for username, account in ACCOUNTS.items():
        if api.user.get(username=username) is None:
            # Straight into the user folder: the demo passwords are shorter
            # than the site's password policy allows, on purpose.
            portal.acl_users._doAddUser(username, account["password"], [], [])
            api.user.get(username=username).setMemberProperties(
                {"email": account["email"], "fullname": account["fullname"]}
            )
    # The back office handles what is filed under "Démarches en ligne",
    # through a local role: it sees nothing of other folders' procedures.
    folder = procedures_folder(portal)
    api.user.grant_roles(username="backoffice", obj=folder, roles=[BACK_OFFICE_ROLE])
    # The services that handle these procedures need the national register
    # numbers in full (elsewhere masked): granted on their folder, as an
    # authority would (docs/data-subject-rights.md).
    folder.manage_permission(
        ViewNationalRegisterNumbers,
        roles=["Manager", "Site Administrator", BACK_OFFICE_ROLE],
        acquire=True,
    )


def ensure_public_url(portal, served_at: str | None) -> None:
    """The demo's public URL is where ``make start`` serves it (its port
    may change from one start to the next)."""
    if served_at:
        api.portal.set_registry_record(
            PUBLIC_URL_RECORD, f"{served_at.rstrip('/')}/{portal.getId()}"
        )


#: The demo site's client at the demo identity provider (which accepts
#: any client: these are not secrets).
DEMO_CLIENT_ID = "guichet-demo"
DEMO_CLIENT_SECRET = "demo-secret"  # noqa: S105 - demo only, printed nowhere


def ensure_identity_provider(portal, issuer: str | None) -> None:
    """Point the demo site at the demonstration identity provider that
    ``make start`` runs (``issuer``: its address, which may change from
    one start to the next). A real site gets none of this."""
    if not issuer:
        return
    from imio.guichet.demo.provider import ACR_LEVELS
    from imio.guichet.oidc.settings import IOpenIDSettings
    from imio.guichet.oidc.settings import set_client_secret

    values = {
        "enabled": True,
        "demo": True,
        "label": "itsme / eID",
        "issuer": issuer.rstrip("/"),
        "client_id": DEMO_CLIENT_ID,
        "scopes": ("openid", "profile", "email"),
        "national_number_claim": "nin",
        "acr_levels": ACR_LEVELS,
    }
    for name, value in values.items():
        api.portal.set_registry_record(name, value, interface=IOpenIDSettings)
    set_client_secret(DEMO_CLIENT_SECRET)


def ensure_prefill_source(portal, register: str | None) -> None:
    """Point the demo site's REST prefill source at the demonstration
    population register that ``make start`` runs (``register``: its
    address, which may change from one start to the next), asked with the
    national register number the identity provider verified. The mapping
    is set even without it (the demo forms name its keys). A real site gets
    none of this."""
    from imio.guichet.demo.register import MAPPING
    from imio.guichet.demo.register import SOURCE_TITLE
    from imio.guichet.prefill.interfaces import IRestPrefillSettings
    from imio.guichet.prefill.sources import VERIFIED_NATIONAL_NUMBER

    values = {
        "title": SOURCE_TITLE,
        "identifier_property": VERIFIED_NATIONAL_NUMBER,
        "mapping": MAPPING,
    }
    if register:
        values["enabled"] = True
        values["url_template"] = f"{register.rstrip('/')}/persons/{{identifier}}"
    for name, value in values.items():
        api.portal.set_registry_record(name, value, interface=IRestPrefillSettings)


def ensure_demo_site(
    app,
    served_at: str | None = None,
    identity_provider: str | None = None,
    register: str | None = None,
):
    """Create whatever of the demo site is missing; keep the rest.
    ``served_at`` (``http://host:port``) makes the site's public URL;
    ``identity_provider``, the address of the demonstration identity
    provider citizens log in with; ``register``, the demonstration
    population register forms are prefilled from."""
    # First: creating a site begins a new transaction (plone.distribution
    # uses transaction.manager), which would drop anything done before.
    portal = ensure_site(app)
    ensure_zope_admin(app)
    admin = app.acl_users.getUser(ZOPE_ADMIN[0]).__of__(app.acl_users)
    newSecurityManager(None, admin)
    try:
        setSite(portal)
        ensure_addon(portal)
        ensure_public_url(portal, served_at)
        ensure_identity_provider(portal, identity_provider)
        # Before the forms, which name the source's keys.
        ensure_prefill_source(portal, register)
        ensure_authority(portal)
        # Before the content, which goes into the French root folder.
        ensure_languages(portal)
        warn_of_content_at_the_root(portal)
        ensure_content(portal)
        ensure_accounts(portal)
        ensure_translation(portal)
    finally:
        noSecurityManager()
    return portal
