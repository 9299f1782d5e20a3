"""Reading a JSON document from another service (a prefill source, another
site's catalogue of models), bounded in time and size."""

import http.client
import json
import time
import urllib.error
import urllib.request


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
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = _read_until(response, deadline, max_bytes)
        return json.loads(body)
    except urllib.error.HTTPError as error:
        raise FetchFailed(f"HTTP {error.code}", status=error.code) from None
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
            raise ValueError("response too large")
        if time.monotonic() > deadline:
            raise TimeoutError("answer too slow")
        chunks.append(chunk)
    return b"".join(chunks)
