"""The privacy information of a procedure: fields of the online form
behavior (``IOnlineForm`` extends :class:`IPrivacyInformation`), kept as
attributes of the content object like the behavior's other settings.

The invariant :meth:`IPrivacyInformation.open_only_when_complete` is what
refuses, on the edit form (a form error) and over REST (plone.restapi's
deserializer runs the same invariants: 400 with the message), to open a
procedure whose information is incomplete (see
:func:`imio.guichet.privacy.information.opening_refused`).
"""

from imio.guichet import _
from plone import api
from plone.autoform import directives
from plone.supermodel import model
from z3c.form.browser.checkbox import CheckBoxFieldWidget
from zope import schema
from zope.interface import invariant
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary


#: GDPR art. 6(1): the lawful bases of a processing.
LEGAL_BASES = {
    "a": _(
        "gdpr_basis_a",
        default="Consent of the person (GDPR art. 6(1)(a))",
    ),
    "b": _(
        "gdpr_basis_b",
        default="Performance of a contract with the person (GDPR art. 6(1)(b))",
    ),
    "c": _(
        "gdpr_basis_c",
        default="Compliance with a legal obligation (GDPR art. 6(1)(c))",
    ),
    "d": _(
        "gdpr_basis_d",
        default="Protection of vital interests (GDPR art. 6(1)(d))",
    ),
    "e": _(
        "gdpr_basis_e",
        default="A task in the public interest or in the exercise of official "
        "authority (GDPR art. 6(1)(e))",
    ),
    "f": _(
        "gdpr_basis_f",
        default="Legitimate interests (GDPR art. 6(1)(f))",
    ),
}
#: The bases that need the law they rest on (art. 6(3)).
BASES_WITH_LAW = frozenset({"c", "e"})

#: Whether citizens must give the data (art. 13(2)(e)).
MANDATORY_CHOICES = {
    "law": _(
        "privacy_mandatory_law",
        default="Providing these data is required by law.",
    ),
    "request": _(
        "privacy_mandatory_request",
        default="Providing these data is necessary to handle your request: "
        "without them, it cannot be processed.",
    ),
    "voluntary": _(
        "privacy_mandatory_voluntary",
        default="Providing these data is voluntary.",
    ),
}
DEFAULT_MANDATORY = "request"

#: Special categories of personal data (GDPR art. 9(1)) and data on
#: criminal convictions (art. 10), flagged by the webmaster.
SPECIAL_CATEGORIES = {
    "racial_ethnic_origin": _(
        "special_racial_ethnic_origin", default="Racial or ethnic origin"
    ),
    "political_opinions": _("special_political_opinions", default="Political opinions"),
    "religious_beliefs": _(
        "special_religious_beliefs",
        default="Religious or philosophical beliefs",
    ),
    "trade_union": _("special_trade_union", default="Trade union membership"),
    "genetic": _("special_genetic", default="Genetic data"),
    "biometric": _("special_biometric", default="Biometric data"),
    "health": _("special_health", default="Data concerning health"),
    "sex_life": _("special_sex_life", default="Sex life or sexual orientation"),
    "criminal": _(
        "special_criminal",
        default="Criminal convictions and offences (GDPR art. 10)",
    ),
}


def _vocabulary(choices: dict) -> SimpleVocabulary:
    return SimpleVocabulary(
        [SimpleTerm(value, title=title) for value, title in choices.items()]
    )


LEGAL_BASIS_VOCABULARY = _vocabulary(LEGAL_BASES)
MANDATORY_VOCABULARY = _vocabulary(MANDATORY_CHOICES)
SPECIAL_CATEGORY_VOCABULARY = _vocabulary(SPECIAL_CATEGORIES)

#: The fields, in the order of the edit form.
PRIVACY_FIELDS = (
    "privacy_purpose",
    "privacy_legal_basis",
    "privacy_legal_reference",
    "privacy_recipients",
    "privacy_mandatory",
    "privacy_data_subjects",
    "privacy_special_categories",
)


def _language() -> str | None:
    """The language of the form or REST request being answered; None
    (French) when the invariant is checked without one (a script)."""
    try:
        return api.portal.get_current_language()
    except AttributeError:  # no request
        return None


class IPrivacyInformation(model.Schema):
    """What citizens are told before they give their data, and what the
    register of processing activities says of the procedure."""

    # In the online form's own fieldset, beside "Online submissions are
    # open": z3c.form checks a schema's invariants once per fieldset with
    # that fieldset's values only, the others read from the object as
    # saved; the switch and what it needs are checked together.
    model.fieldset(
        "online_form",
        label=_("fieldset_online_form", default="Online form"),
        fields=list(PRIVACY_FIELDS),
    )
    privacy_purpose = schema.Text(
        title=_("label_privacy_purpose", default="Purpose of the processing"),
        description=_(
            "help_privacy_purpose",
            default="Why the data of this form are collected, in one or two "
            "sentences a citizen understands, e.g. 'to deliver the extract "
            "of the birth certificate you ask for'.",
        ),
        required=False,
        max_length=1000,
    )
    privacy_legal_basis = schema.Choice(
        title=_("label_privacy_legal_basis", default="Lawful basis (GDPR)"),
        description=_(
            "help_privacy_legal_basis",
            default="Most procedures of an authority rest on a legal "
            "obligation (c) or a task in the public interest (e); both need "
            "the law below.",
        ),
        vocabulary=LEGAL_BASIS_VOCABULARY,
        required=False,
    )
    privacy_legal_reference = schema.TextLine(
        title=_("label_privacy_legal_reference", default="Law or regulation"),
        description=_(
            "help_privacy_legal_reference",
            default="The text the processing rests on, required for a legal "
            "obligation or a task in the public interest, e.g. 'Code civil, "
            "art. 44'.",
        ),
        required=False,
        max_length=300,
    )
    privacy_recipients = schema.List(
        title=_("label_privacy_recipients", default="Recipients of the data"),
        description=_(
            "help_privacy_recipients",
            default="One per line: the services that handle the requests and "
            "the back-office software or bodies they are sent to.",
        ),
        value_type=schema.TextLine(max_length=200),
        required=False,
        default=[],
        max_length=20,
    )
    privacy_mandatory = schema.Choice(
        title=_(
            "label_privacy_mandatory",
            default="Must citizens provide the data?",
        ),
        description=_(
            "help_privacy_mandatory",
            default="Leave empty for the default of the 'Guichet: the "
            "authority' control panel.",
        ),
        vocabulary=MANDATORY_VOCABULARY,
        required=False,
    )
    privacy_data_subjects = schema.List(
        title=_("label_privacy_data_subjects", default="Categories of data subjects"),
        description=_(
            "help_privacy_data_subjects",
            default="One per line, for the register of processing "
            "activities, e.g. 'Applicants', 'Children enrolled'.",
        ),
        value_type=schema.TextLine(max_length=200),
        required=False,
        default=[],
        max_length=20,
    )
    directives.widget("privacy_special_categories", CheckBoxFieldWidget)
    privacy_special_categories = schema.List(
        title=_(
            "label_privacy_special_categories",
            default="Special categories of data asked",
        ),
        description=_(
            "help_privacy_special_categories",
            default="Tick what the form's answers may reveal (GDPR art. 9 "
            "and 10): such data need a specific legal ground.",
        ),
        value_type=schema.Choice(vocabulary=SPECIAL_CATEGORY_VOCABULARY),
        required=False,
        default=[],
    )

    @invariant
    def open_only_when_complete(data):
        # Imported here: information reads the authority and the registry.
        from imio.guichet.privacy.information import opening_refused

        # The invariant runs for the edit form or the REST request being
        # answered: its missing items are named in that request's language.
        opening_refused(data, getattr(data, "__context__", None), _language())
