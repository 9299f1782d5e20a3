"""Who applied: the name staff recognise a request by.

The guichet has no field kind for a person's name: a logged-in citizen's
name is the full name of their account; an anonymous filing's comes from
the answers named as in the default form (``last_name``, ``first_name``).
"""

from imio.guichet.submissions.storage import Submission
from plone import api


#: The fields of the default form that hold the applicant's name, in the
#: order Belgian administrations write it (NAME First name), or one "name".
NAME_FIELDS = ("last_name", "first_name", "name")


def applicant_name(submission: Submission) -> str:
    """The applicant's name: their account's full name, else the name
    fields of the answers, else the account's login; "" if none."""
    if submission.submitter:
        user = api.user.get(userid=submission.submitter)
        fullname = user.getProperty("fullname", "") if user is not None else ""
        if fullname:
            return fullname
    data = submission.data or {}
    parts = [data.get(name) for name in NAME_FIELDS]
    name = " ".join(part.strip() for part in parts if isinstance(part, str))
    return name.strip() or submission.submitter or ""
