"""The site's defaults of retention (registry records, control panel
"Guichet: retention of personal data") and each procedure's own (the
behavior ``imio.guichet.retention``)."""

from imio.guichet import _
from plone.supermodel import model
from zope import schema
from zope.interface import Interface
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary


ANONYMISE = "anonymise"
DELETE = "delete"

ACTIONS = SimpleVocabulary(
    [
        SimpleTerm(
            ANONYMISE,
            title=_(
                "retention_action_anonymise",
                default="Anonymise (keep the state, the dates and the history)",
            ),
        ),
        SimpleTerm(
            DELETE, title=_("retention_action_delete", default="Delete entirely")
        ),
    ]
)

#: Defaults of a new site (and of the upgrade to 1013).
DEFAULT_DAYS = 1825
DEFAULT_AUDIT_DAYS = 730


class IRetentionSettings(Interface):
    """Site-wide retention (registry records ``imio.guichet.retention.*``)."""

    retention_days = schema.Int(
        title=_("label_retention_days", default="Retention of requests (days)"),
        description=_(
            "help_retention_days",
            default="How many days a request is kept after it ends (closed, "
            "rejected or withdrawn), for procedures that set no retention "
            "of their own. 365: one year.",
        ),
        required=True,
        default=DEFAULT_DAYS,
        min=1,
        max=36500,
    )

    retention_action = schema.Choice(
        title=_("label_retention_action", default="Then"),
        description=_(
            "help_retention_action",
            default="What happens to a request once its retention has passed "
            "(unless it is under a legal hold).",
        ),
        vocabulary=ACTIONS,
        required=True,
        default=ANONYMISE,
    )

    audit_retention_days = schema.Int(
        title=_(
            "label_audit_retention_days", default="Retention of the audit trail (days)"
        ),
        description=_(
            "help_audit_retention_days",
            default="Records of the audit trail (reads and changes) older "
            "than this are deleted by the daily purge.",
        ),
        required=True,
        default=DEFAULT_AUDIT_DAYS,
        min=1,
        max=36500,
    )


class IRetention(model.Schema):
    """A procedure's own retention (empty: the site's)."""

    model.fieldset(
        "retention",
        label=_("fieldset_retention", default="Retention"),
        fields=["retention_days", "retention_action", "retention_kept_fields"],
    )

    retention_days = schema.Int(
        title=_("label_retention_days", default="Retention of requests (days)"),
        description=_(
            "help_procedure_retention_days",
            default="How many days a request is kept after it ends (closed, "
            "rejected or withdrawn). Empty: the site's retention.",
        ),
        required=False,
        min=1,
        max=36500,
    )

    retention_action = schema.Choice(
        title=_("label_retention_action", default="Then"),
        description=_(
            "help_procedure_retention_action",
            default="Empty: what the site does.",
        ),
        vocabulary=ACTIONS,
        required=False,
    )

    retention_kept_fields = schema.List(
        title=_("label_retention_kept_fields", default="Fields that are not personal"),
        description=_(
            "help_retention_kept_fields",
            default="Names of the form's fields kept when a request is "
            "anonymised (e.g. the category of a problem, a commune), one per "
            "line. Every other answer and file is removed.",
        ),
        value_type=schema.TextLine(),
        required=False,
        default=[],
    )
