"""The online form's adapter: ``IOnlineForm(obj)`` for content with the
``imio.guichet.online_form`` behavior.

Apart from the form (kept as its list of versions), every value is an
attribute of the content object under its field's name: what the Procedure
type stored when these fields were its own.
"""

from AccessControl.PermissionRole import rolesForPermissionOn
from Acquisition import aq_base
from imio.guichet.content.behaviors import IFormSchemaField
from imio.guichet.content.behaviors import IHasOnlineForm
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.translations import canonical
from imio.guichet.forms.model import DEFAULT_FORM_SCHEMA
from imio.guichet.forms.model import load_form_schema
from imio.guichet.forms.translations import translated_form_xml
from imio.guichet.submissions.api import get_store
from plone.uuid.interfaces import IUUID
from z3c.form.datamanager import AttributeField
from z3c.form.interfaces import NO_VALUE
from zope.component import adapter
from zope.interface import implementer
from zope.interface import Interface


class _OnContext:
    """A field kept as an attribute of the content object, by its own name."""

    def __init__(self, field):
        self.field = field

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner):
        if instance is None:
            return self
        # Dexterity answers the schema's default for a field never set.
        return getattr(instance.context, self.name, self.field.default)

    def __set__(self, instance, value):
        setattr(instance.context, self.name, value)


@implementer(IOnlineForm)
@adapter(IHasOnlineForm)
class OnlineForm:
    """The online form of ``context``; its form keeps every version it had.

    Submissions record the version of the form they were filed against, so
    that their data can always be read with the form that produced it.
    """

    def __init__(self, context):
        # A translation shares its canonical procedure's form and settings
        # (content.translations): one form, one set of submissions.
        self.context = canonical(context)

    submissions_open = _OnContext(IOnlineForm["submissions_open"])
    opening_date = _OnContext(IOnlineForm["opening_date"])
    closing_date = _OnContext(IOnlineForm["closing_date"])
    allow_anonymous = _OnContext(IOnlineForm["allow_anonymous"])
    require_verified_identity = _OnContext(IOnlineForm["require_verified_identity"])
    allow_correcting_prefill = _OnContext(IOnlineForm["allow_correcting_prefill"])
    max_file_size = _OnContext(IOnlineForm["max_file_size"])
    max_files = _OnContext(IOnlineForm["max_files"])
    allowed_file_types = _OnContext(IOnlineForm["allowed_file_types"])
    confirm_to_citizen = _OnContext(IOnlineForm["confirm_to_citizen"])
    citizen_email_field = _OnContext(IOnlineForm["citizen_email_field"])
    service_emails = _OnContext(IOnlineForm["service_emails"])
    notify_state_changes = _OnContext(IOnlineForm["notify_state_changes"])
    processing_days = _OnContext(IOnlineForm["processing_days"])
    processing_day_kind = _OnContext(IOnlineForm["processing_day_kind"])
    list_columns = _OnContext(IOnlineForm["list_columns"])
    # The privacy information (imio.guichet.privacy.schema).
    privacy_purpose = _OnContext(IOnlineForm["privacy_purpose"])
    privacy_legal_basis = _OnContext(IOnlineForm["privacy_legal_basis"])
    privacy_legal_reference = _OnContext(IOnlineForm["privacy_legal_reference"])
    privacy_recipients = _OnContext(IOnlineForm["privacy_recipients"])
    privacy_mandatory = _OnContext(IOnlineForm["privacy_mandatory"])
    privacy_data_subjects = _OnContext(IOnlineForm["privacy_data_subjects"])
    privacy_special_categories = _OnContext(IOnlineForm["privacy_special_categories"])

    #: Roles of the citizens: a procedure they may view is seen by them.
    _CITIZEN_ROLES = frozenset({"Anonymous", "Authenticated", "Member"})

    @property
    def _versions(self) -> tuple[str, ...]:
        # A form never set is the default form.
        versions = getattr(self.context, "_form_schema_versions", ())
        return versions or (DEFAULT_FORM_SCHEMA,)

    @property
    def form_schema(self) -> str:
        return self._versions[-1]

    @form_schema.setter
    def form_schema(self, value: str) -> None:
        # Browsers send text areas with CRLF: the same form must compare equal.
        value = value.replace("\r\n", "\n")
        versions = self._versions
        if versions[-1] == value:
            return
        if self._has_submissions():
            # Submissions were filed against the current version: keep it.
            versions = (*versions, value)
        else:
            # Nothing depends on the current version yet: just replace it.
            versions = (*versions[:-1], value)
        # A tuple replaced as a whole: ZODB sees the change.
        self.context._form_schema_versions = versions

    def _has_submissions(self) -> bool:
        uid = IUUID(self.context, None)
        store = get_store() if uid else None
        return bool(store is not None and store.count(uid))

    @property
    def form_schema_version(self) -> int:
        return len(self._versions)

    def form_schema_xml(self, version: int | None = None) -> str:
        """The form's XML at ``version`` (the current one by default)."""
        if version is None:
            return self._versions[-1]
        if not 1 <= version <= len(self._versions):
            raise KeyError(version)
        return self._versions[version - 1]

    def get_form_schema(self, version: int | None = None, language: str | None = None):
        """The form's zope.schema interface (current version by default),
        with its texts in ``language`` where the webmaster translated them
        (forms.translations; the same fields, values and rules)."""
        xml = self.form_schema_xml(version)
        if language:
            xml = translated_form_xml(xml, self.form_labels(language))
        return load_form_schema(xml)

    # -- the form's texts in other languages (forms.translations), one set
    #    per language for every version: field names do not change.

    def form_labels(self, language: str) -> dict:
        """The labels of ``language`` (empty: none translated)."""
        return dict(getattr(self.context, "_form_labels", {}).get(language) or {})

    def translated_languages(self) -> list[str]:
        return sorted(getattr(self.context, "_form_labels", {}))

    def set_form_labels(self, language: str, labels: dict) -> None:
        """Keep ``labels`` as the form's texts in ``language``."""
        stored = dict(getattr(self.context, "_form_labels", {}))
        stored[language] = labels
        # A dict replaced as a whole: ZODB sees the change.
        self.context._form_labels = stored

    # -- the working copy: what the editor changes while citizens see the
    #    published version (``form_schema``)

    @property
    def working_copy(self) -> str | None:
        """The form being edited, not yet published; None when the editor
        has no change pending."""
        return getattr(self.context, "_form_schema_working_copy", None) or None

    @property
    def edited_form_schema(self) -> str:
        """What the editor and the preview show: the working copy, or the
        published form when there is none."""
        return self.working_copy or self.form_schema

    def get_edited_form_schema(self):
        return load_form_schema(self.edited_form_schema)

    def seen_by_citizens(self) -> bool:
        """Whether citizens may view the procedure (it is published). An
        item being created (not stored yet: its add form, wrapped in its
        folder, would acquire the folder's roles) was never seen."""
        if getattr(aq_base(self.context), "_p_jar", None) is None:
            return False
        roles = rolesForPermissionOn("View", self.context)
        return bool(self._CITIZEN_ROLES.intersection(roles))

    def edit_form_schema(self, value: str) -> None:
        """Store a change made in the editor (checked by the caller): in the
        working copy while citizens see the procedure or a copy is already
        pending, so that they keep the published form; otherwise straight
        into the form (nobody sees it yet)."""
        value = value.replace("\r\n", "\n")
        if self.working_copy is None and not self.seen_by_citizens():
            self.form_schema = value
            return
        # Back to the published form: nothing is pending any more.
        self.context._form_schema_working_copy = (
            None if value == self.form_schema else value
        )

    def publish_working_copy(self) -> bool:
        """Make the working copy the form citizens fill (a new version if
        submissions depend on the current one); False if none is pending."""
        copy = self.working_copy
        if copy is None:
            return False
        self.form_schema = copy
        self.context._form_schema_working_copy = None
        return True

    def discard_working_copy(self) -> bool:
        """Drop the working copy; False if none was pending."""
        if self.working_copy is None:
            return False
        self.context._form_schema_working_copy = None
        return True


@adapter(Interface, IFormSchemaField)
class EditedFormSchema(AttributeField):
    """The form's XML as the procedure's editing page and a REST ``PATCH``
    read and write it: what the form editor edits (the working copy while
    citizens see the procedure), so that no path changes the published
    form behind the webmaster's back."""

    def get(self):
        return self.adapted_context.edited_form_schema

    def query(self, default=NO_VALUE):
        return self.get()

    def set(self, value):
        self.adapted_context.edit_form_schema(value)
