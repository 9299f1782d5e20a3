"""Reading a JSON document from another service (a prefill source, another
site's catalogue of models), bounded in time and size."""

from urllib.parse import urlsplit

import http.client
import json
import time
import urllib.error
import urllib.request


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only within the address's own origin (scheme, host
    and port). The address was chosen by a Site Administrator; a redirect
    elsewhere, to a host on the instance's private network say, was not."""

    max_redirections = 3

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: PLR0917 (urllib's signature)
        if _origin(newurl) != _origin(req.full_url):
            raise urllib.error.HTTPError(
                req.full_url, code, "redirected to another site", headers, fp
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port


_opener = urllib.request.build_opener(_SameOriginRedirects)


class FetchFailed(Exception):
    """The document could not be read; ``reason`` says why, in a few words
    without the URL (which may carry a citizen's identifier); ``status``,
    the HTTP status of an error answer (404: no such record)."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def fetch_json(url: str, *, headers: dict, timeout: float, max_bytes: int) -> object:
    """The JSON document at ``url``, or :class:`FetchFailed`.

    ``timeout`` bounds the connection, each read, and the reading of the
    whole answer (a server trickling bytes is cut off); an answer larger
    than ``max_bytes`` is refused."""
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", **headers}
    )
    deadline = time.monotonic() + timeout
    try:
        with _opener.open(request, timeout=timeout) as response:
            body = _read_until(response, deadline, max_bytes)
        return json.loads(body)
    except urllib.error.HTTPError as error:
        reason = (
            f"HTTP {error.code}"
            if error.code not in (301, 302, 303, 307, 308)
            else f"HTTP {error.code}, {error.msg}"
        )
        raise FetchFailed(reason, status=error.code) from None
    except TimeoutError as error:
        reason = f"too slow ({error})"
    except (OSError, http.client.HTTPException) as error:
        reason = f"unreachable ({getattr(error, 'reason', error)})"
    except ValueError as error:
        reason = f"not JSON ({error})"
    raise FetchFailed(reason)


def _read_until(response, deadline: float, max_bytes: int) -> bytes:
    chunks, size = [], 0
    while chunk := response.read1(65536):
        size += len(chunk)
        if size > max_bytes:
            raise FetchFailed(f"too large (over {max_bytes} bytes)")
        if time.monotonic() > deadline:
            raise TimeoutError("answer too slow")
        chunks.append(chunk)
    return b"".join(chunks)
