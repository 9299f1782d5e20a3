The lifecycle of a submission (submitted, received, in progress, waiting
for the citizen, accepted, rejected, closed, withdrawn) is defined in one
place, with a history event (who, when, from, to, message for the citizen,
internal note) for every transition.
