"""REST services (plone.restapi) of the guichet."""
