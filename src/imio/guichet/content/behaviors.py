"""The online form, as a Dexterity behavior (``imio.guichet.online_form``).

Everything a content item needs to receive requests from citizens: the form
and its versions, when it is open, whether a login is required, the upload
limits and the e-mail notifications. The Démarche type
(``imio.guichet.Procedure``) has it; any other type (a site package's own
"procedure" type, a plain page) gets the form, the submissions, the staff
pages and the API by enabling it.

The behavior's marker, ``IHasOnlineForm``, is what views, services and
catalog queries look for, never a portal type. The values are attributes of
the content object under the field names that the Procedure type used when
the fields were its own, so procedures made before the behavior keep their
data as they are. The adapter that reads and writes them is
``content.online_form.OnlineForm``.
"""

from imio.guichet import _
from imio.guichet.forms.model import DEFAULT_FORM_SCHEMA
from imio.guichet.forms.model import email_field_names
from imio.guichet.forms.model import form_schema_constraint
from imio.guichet.forms.model import InvalidFormSchema
from imio.guichet.forms.model import load_form_schema
from imio.guichet.forms.uploads import DEFAULT_ALLOWED_TYPES
from imio.guichet.forms.uploads import DEFAULT_MAX_FILE_SIZE_MB
from imio.guichet.forms.uploads import DEFAULT_MAX_FILES
from imio.guichet.forms.uploads import FILE_TYPE_VOCABULARY
from imio.guichet.forms.uploads import largest_file_mb
from imio.guichet.forms.uploads import most_files
from imio.guichet.forms.uploads import server_max_body
from imio.guichet.i18n import counted
from imio.guichet.i18n import default_language
from imio.guichet.privacy.schema import IPrivacyInformation
from imio.guichet.submissions.due import CALENDAR_DAYS
from imio.guichet.submissions.due import WORKING_DAYS
from imio.guichet.timezones import in_site_time
from plone import api
from plone.autoform import directives
from plone.autoform.interfaces import IFormFieldProvider
from plone.schema.email import Email
from plone.supermodel import model
from z3c.form.browser.checkbox import CheckBoxFieldWidget
from zope import schema
from zope.interface import implementer
from zope.interface import Interface
from zope.interface import Invalid
from zope.interface import invariant
from zope.interface import provider
from zope.schema.interfaces import ISourceText
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary


#: The behavior's name, as a type's FTI lists it in ``behaviors``.
BEHAVIOR_NAME = "imio.guichet.online_form"
#: How many files of a size the server reads per request (i18n.counted).
MAX_FILES_OVER_SERVER = {
    "one": _(
        "error_max_files_over_server_one",
        default="Files per request: with files of up to ${size} MB, this "
        "server reads at most ${count} file per request.",
    ),
    "other": _(
        "error_max_files_over_server_other",
        default="Files per request: with files of up to ${size} MB, this "
        "server reads at most ${count} files per request.",
    ),
}


class IHasOnlineForm(Interface):
    """Marker of content that has an online form (the behavior is enabled).

    Views and services of the form are registered for it, and procedures are
    found in the catalog by it (``object_provides``).
    """


def default_form_schema() -> str:
    return DEFAULT_FORM_SCHEMA


class IFormSchemaField(ISourceText):
    """The form's XML: edited like the form editor edits it."""


@implementer(IFormSchemaField)
class FormSchemaField(schema.SourceText):
    """The online form's XML; its data manager (``EditedFormSchema``)
    reads and writes what the form editor does, the working copy of a
    form citizens see."""


@provider(IFormFieldProvider)
class IOnlineForm(IPrivacyInformation, model.Schema):
    """The online form of a content item, its settings and its versions;
    its privacy information (fieldset *Personal data*) comes from
    :class:`~imio.guichet.privacy.schema.IPrivacyInformation`."""

    model.fieldset(
        "online_form",
        label=_("fieldset_online_form", default="Online form"),
        fields=[
            "submissions_open",
            "opening_date",
            "closing_date",
            "allow_anonymous",
            "require_verified_identity",
            "allow_correcting_prefill",
            "form_schema",
            "max_file_size",
            "max_files",
            "allowed_file_types",
        ],
    )
    submissions_open = schema.Bool(
        title=_("label_submissions_open", default="Online submissions are open"),
        description=_(
            "help_submissions_open",
            default="Uncheck to close the online form, whatever the dates.",
        ),
        required=False,
        default=True,
    )
    opening_date = schema.Datetime(
        title=_("label_opening_date", default="Open from"),
        description=_(
            "help_opening_date", default="Leave empty to open as soon as published."
        ),
        required=False,
    )
    closing_date = schema.Datetime(
        title=_("label_closing_date", default="Closed from"),
        description=_("help_closing_date", default="Leave empty to keep it open."),
        required=False,
    )
    allow_anonymous = schema.Bool(
        title=_(
            "label_allow_anonymous", default="Citizens may apply without logging in"
        ),
        required=False,
        default=True,
    )
    require_verified_identity = schema.Bool(
        title=_(
            "label_require_verified_identity",
            default="Citizens must identify with itsme or their eID card",
        ),
        description=_(
            "help_require_verified_identity",
            default="For procedures about a person (civil status, residence): "
            "the form is sent only after an identification through the "
            "site's identity provider at the level of assurance "
            "'substantial' or higher, whatever the setting above. The "
            "verified national register number and names are recorded with "
            "the request.",
        ),
        required=False,
        default=False,
    )
    allow_correcting_prefill = schema.Bool(
        title=_(
            "label_allow_correcting_prefill",
            default="Citizens may correct the values of authentic sources",
        ),
        description=_(
            "help_allow_correcting_prefill",
            default="Unchecked (once only): a field that an authentic source "
            "(the population register, the identity provider) answered is "
            "shown read-only and filed with the source's value. Checked: it "
            "is prefilled and the citizen may change it; the staff see that "
            'it was corrected. A field marked guichet:authentic="true" in '
            "the form stays read-only.",
        ),
        required=False,
        default=False,
    )
    directives.widget("form_schema", rows=25)
    form_schema = FormSchemaField(
        title=_("label_form_schema", default="Form (plone.supermodel XML)"),
        description=_(
            "help_form_schema_edited",
            default="The fields of the online form, in the XML that Dexterity "
            "uses for content types. While citizens see the procedure, a "
            "change goes to the working copy, which the form editor "
            "publishes.",
        ),
        required=True,
        # A factory, not a default: a default is validated at import time,
        # before the supermodel field handlers are registered.
        defaultFactory=default_form_schema,
        constraint=form_schema_constraint,
    )

    model.fieldset(
        "notifications",
        label=_("fieldset_notifications", default="E-mail notifications"),
        fields=[
            "confirm_to_citizen",
            "citizen_email_field",
            "service_emails",
            "notify_state_changes",
        ],
    )
    confirm_to_citizen = schema.Bool(
        title=_(
            "label_confirm_to_citizen",
            default="Send the citizen a confirmation e-mail",
        ),
        description=_(
            "help_confirm_to_citizen",
            default="With the reference and a link to follow the request; "
            "never the content of the form.",
        ),
        required=False,
        default=True,
    )
    citizen_email_field = schema.TextLine(
        title=_(
            "label_citizen_email_field",
            default="Form field holding the citizen's e-mail address",
        ),
        description=_(
            "help_citizen_email_field",
            default="The name of an e-mail field of the form. Leave empty to "
            "use the first e-mail field; without one, the address of the "
            "logged-in citizen's account.",
        ),
        required=False,
        max_length=63,
    )
    service_emails = schema.List(
        title=_("label_service_emails", default="Service addresses to notify"),
        description=_(
            "help_service_emails",
            default="One address per line. Each new request is announced "
            "there with its reference and a link, without the citizen's data.",
        ),
        value_type=Email(),
        required=False,
        default=[],
        max_length=20,
    )
    notify_state_changes = schema.Bool(
        title=_(
            "label_notify_state_changes",
            default="Tell the citizen by e-mail when the request changes state",
        ),
        required=False,
        default=True,
    )
    model.fieldset(
        "handling",
        label=_("fieldset_handling", default="Handling"),
        fields=["processing_days", "processing_day_kind", "list_columns"],
    )
    processing_days = schema.Int(
        title=_("label_processing_days", default="Processing delay (days)"),
        description=_(
            "help_processing_days",
            default="Each request gets a due date this many days after it was "
            "filed, or after the citizen's last answer. Leave empty for none.",
        ),
        required=False,
        min=1,
        max=365,
    )
    processing_day_kind = schema.Choice(
        title=_("label_processing_day_kind", default="Days counted"),
        vocabulary=SimpleVocabulary(
            [
                SimpleTerm(
                    CALENDAR_DAYS,
                    title=_("option_calendar_days", default="Calendar days"),
                ),
                SimpleTerm(
                    WORKING_DAYS,
                    title=_(
                        "option_working_days",
                        default="Working days (weekends and Belgian public "
                        "holidays excepted)",
                    ),
                ),
            ]
        ),
        required=True,
        default=WORKING_DAYS,
    )
    list_columns = schema.List(
        title=_("label_list_columns", default="Answers shown in the staff list"),
        description=_(
            "help_list_columns",
            default="The names of the form's fields shown as columns of the "
            "list of requests, one per line. Leave empty to show the "
            "applicant's name.",
        ),
        value_type=schema.TextLine(),
        required=False,
        default=[],
        max_length=6,
    )
    max_file_size = schema.Int(
        title=_("label_max_file_size", default="Largest file (MB)"),
        description=_(
            "help_max_file_size",
            default="The largest file a citizen may attach, per file.",
        ),
        required=True,
        default=DEFAULT_MAX_FILE_SIZE_MB,
        min=1,
        max=50,
    )
    max_files = schema.Int(
        title=_("label_max_files", default="Files per request"),
        description=_(
            "help_max_files",
            default="How many files a citizen may attach to one request.",
        ),
        required=True,
        default=DEFAULT_MAX_FILES,
        min=0,
        max=20,
    )
    directives.widget("allowed_file_types", CheckBoxFieldWidget)
    allowed_file_types = schema.List(
        title=_("label_allowed_file_types", default="Accepted file types"),
        description=_(
            "help_allowed_file_types",
            default="Recognised from the content of the file, whatever its name.",
        ),
        value_type=schema.Choice(vocabulary=FILE_TYPE_VOCABULARY),
        required=False,
        default=list(DEFAULT_ALLOWED_TYPES),
    )

    @invariant
    def closing_after_opening(data):
        opening = getattr(data, "opening_date", None)
        closing = getattr(data, "closing_date", None)
        # One may be naive (edit form), the other aware (REST): compare both
        # in the site's zone.
        if opening and closing and in_site_time(closing) <= in_site_time(opening):
            raise Invalid(
                _(
                    "error_closing_before_opening",
                    default="The closing date must come after the opening date.",
                )
            )

    @invariant
    def uploads_fit_the_server(data):
        """A submission with as many files as allowed, each as large as
        allowed, must fit in the largest request body the server reads
        (stated by the instance, see forms.uploads.server_max_body):
        otherwise citizens would be refused by the server, after sending."""
        max_body = server_max_body()
        size = getattr(data, "max_file_size", None)
        files = getattr(data, "max_files", None)
        if max_body is None or not size or not files:
            return
        if files <= most_files(max_body, size):
            return
        largest = largest_file_mb(max_body)
        if size > largest:
            raise Invalid(
                _(
                    "error_max_file_size_over_server",
                    default="Largest file: this server reads no file larger "
                    "than ${largest} MB.",
                    mapping={"largest": largest},
                )
            )
        # Translated by the edit form or REST service, into their reader's
        # language, which an invariant is not told: 1 or more (a file of
        # ``size`` fits) is counted alike in each language of our catalogs.
        raise Invalid(
            counted(
                MAX_FILES_OVER_SERVER,
                most_files(max_body, size),
                default_language(),
                size=size,
            )
        )

    @invariant
    def citizen_email_field_in_form(data):
        name = getattr(data, "citizen_email_field", None)
        xml = getattr(data, "form_schema", None)
        if not name or not xml:
            return
        try:
            names = email_field_names(load_form_schema(xml))
        except InvalidFormSchema:
            return  # the form field itself says what is wrong
        if name not in names:
            raise Invalid(
                _(
                    "error_citizen_email_field",
                    default="The form has no e-mail field named ${name}.",
                    mapping={"name": name},
                )
            )

    @invariant
    def list_columns_in_form(data):
        names = getattr(data, "list_columns", None)
        xml = getattr(data, "form_schema", None)
        if not names or not xml:
            return
        try:
            fields = set(load_form_schema(xml).names())
        except InvalidFormSchema:
            return
        unknown = [name for name in names if name not in fields]
        if unknown:
            raise Invalid(
                _(
                    "error_list_columns",
                    default="The form has no field named ${names}.",
                    mapping={"names": ", ".join(unknown)},
                )
            )


def find_online_forms(**query):
    """Catalog brains of every content item with an online form, whatever
    the current user may see (``query`` narrows and sorts)."""
    catalog = api.portal.get_tool("portal_catalog")
    return catalog.unrestrictedSearchResults(
        object_provides=IHasOnlineForm.__identifier__, **query
    )
