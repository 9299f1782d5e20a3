"""The states a submission can be in."""

from imio.guichet.submissions.states import STATES
from zope.interface import provider
from zope.schema.interfaces import IVocabularyFactory
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary


@provider(IVocabularyFactory)
def submission_states(context):
    return SimpleVocabulary(
        [SimpleTerm(value, value, title) for value, title in STATES.items()]
    )
