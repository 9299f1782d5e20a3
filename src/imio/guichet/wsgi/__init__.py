"""The add-on's pieces of the WSGI pipeline (``etc/zope.ini.in``).

They run outside Zope, before and after it publishes a request, so they
import nothing of Plone: :mod:`.redaction` keeps secrets out of the logs,
:mod:`.accesslog` writes the access log with them redacted, and
:mod:`.bodylimit` refuses a request body larger than the site accepts.
"""
