"""Events fired by the submission functions (webhooks and e-mails hook here)."""

from zope.interface import Attribute
from zope.interface import implementer
from zope.interface import Interface


class ISubmissionCreatedEvent(Interface):
    """A submission was filed (in the current transaction)."""

    submission = Attribute("The new submission")
    procedure = Attribute("The procedure it was filed for")


@implementer(ISubmissionCreatedEvent)
class SubmissionCreatedEvent:
    def __init__(self, submission, procedure):
        self.submission = submission
        self.procedure = procedure


class ISubmissionStateChangedEvent(Interface):
    """A submission moved to another state (in the current transaction)."""

    submission = Attribute("The submission")
    event = Attribute("The history event recorded for the change")


@implementer(ISubmissionStateChangedEvent)
class SubmissionStateChangedEvent:
    def __init__(self, submission, event):
        self.submission = submission
        self.event = event


class ISubmissionMessageEvent(Interface):
    """A message was written on a submission, by its citizen or by staff,
    without changing its state (in the current transaction)."""

    submission = Attribute("The submission")
    event = Attribute("The history event recorded for the message")


@implementer(ISubmissionMessageEvent)
class SubmissionMessageEvent:
    def __init__(self, submission, event):
        self.submission = submission
        self.event = event


#: What happened to an erased submission.
ANONYMISED = "anonymised"
DELETED = "deleted"


class ISubmissionErasedEvent(Interface):
    """A submission's personal data was removed (``how``: ANONYMISED, the
    submission kept without them) or the submission deleted (DELETED: it
    is no longer in the store), in the current transaction. Whatever keeps
    a copy of its data (a search index, counters) drops it."""

    submission = Attribute("The submission (detached from the store if deleted)")
    how = Attribute("ANONYMISED or DELETED")


@implementer(ISubmissionErasedEvent)
class SubmissionErasedEvent:
    def __init__(self, submission, how: str):
        self.submission = submission
        self.how = how
