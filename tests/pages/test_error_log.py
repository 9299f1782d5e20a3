"""Zope's error log (Site Setup › Errors) keeps no secret of a request."""

from imio.guichet.errorlog import note_failure
from imio.guichet.errorlog import redact_after_failure
from types import SimpleNamespace

import sys


def test_an_error_on_a_secret_url_is_kept_redacted(portal):
    request = portal.REQUEST
    request.form["secret"] = "S3CRET-IN-FORM"
    request.environ["QUERY_STRING"] = "reference=ABCD&secret=S3CRET-IN-QUERY"
    request.environ["HTTP_X_TRACKING_SECRET"] = "S3CRET-IN-HEADER"
    request["URL"] = "http://nohost/plone/@@track-request"
    request["PUBLISHED"] = portal
    error_log = portal.error_log
    error_log.setProperties(keep_entries=20, copy_to_zlog=False, ignored_exceptions=())
    try:
        raise RuntimeError("secret=S3CRET-IN-MESSAGE")
    except RuntimeError:
        info = sys.exc_info()
    # Whatever the order of the failure's subscribers: ours first, then
    # SiteErrorLog's storing the entry, then the end of the request.
    note_failure(SimpleNamespace(request=request, exc_info=info))
    error_log.raising(info)
    stored = error_log._getLog()[-1]
    assert "S3CRET-IN-FORM" in stored["req_html"]  # what SiteErrorLog keeps

    redact_after_failure(SimpleNamespace(request=request))

    (entry,) = [e for e in error_log._getLog() if e["id"] == stored["id"]]
    text = " ".join(
        str(entry[name]) for name in ("url", "req_html", "tb_text", "value")
    )
    assert "S3CRET" not in text
    assert "[redacted]" in entry["req_html"]
    assert "RuntimeError" in entry["tb_text"]  # the error itself is kept
