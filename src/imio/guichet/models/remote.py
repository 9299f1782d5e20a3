"""Reading another site's catalogue of models (``@guichet-models``)."""

from imio.guichet import remote_json
from imio.guichet.errors import Unavailable
from urllib.parse import quote
from urllib.parse import urlencode
from urllib.parse import urlsplit

import logging
import time


logger = logging.getLogger(__name__)

#: A model package with a long form and texts stays far below this.
MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = 15.0


def catalogue_base(url: str) -> str:
    """The ``@guichet-models`` address of a catalogue given as a site's
    address or as its ``@guichet-models`` address."""
    url = url.strip().rstrip("/")
    return url if url.endswith("/@guichet-models") else f"{url}/@guichet-models"


def is_catalogue_url(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def fetch_json(url: str) -> object:
    """The JSON document at ``url``; Unavailable (503) saying why not."""
    try:
        return remote_json.fetch_json(
            url, headers={}, timeout=TIMEOUT, max_bytes=MAX_BYTES
        )
    except remote_json.FetchFailed as failure:
        logger.warning("Catalogue of models %s: %s", url, failure.reason)
        raise Unavailable(
            f"The catalogue of models could not be read: {failure.reason}."
        ) from None


def remote_models(catalogue: str, search: str = "") -> list[dict]:
    url = catalogue_base(catalogue)
    if search:
        url = f"{url}?{urlencode({'q': search})}"
    answer = fetch_json(url)
    items = answer.get("items") if isinstance(answer, dict) else None
    if not isinstance(items, list):
        raise Unavailable("The catalogue of models answered something else.")
    return [model for model in map(listed_model, items) if model is not None]


def listed_model(item: object) -> dict | None:
    """A model as another site's catalogue lists it, with the fields the
    pages show and of the types they expect; None for anything else (one
    malformed entry must not break the list)."""
    if not isinstance(item, dict):
        return None
    model_id, version = item.get("model_id"), item.get("version")
    if not isinstance(model_id, str) or not isinstance(version, int):
        return None
    if isinstance(version, bool) or version < 1:
        return None
    return {
        "model_id": model_id,
        "version": version,
        **{
            name: item[name] if isinstance(item.get(name), str) else ""
            for name in ("title", "description", "published", "changes")
        },
    }


def remote_package(catalogue: str, model_id: str, version: int | None = None) -> object:
    url = f"{catalogue_base(catalogue)}/{quote(model_id, safe='')}"
    if version is not None:
        url = f"{url}?{urlencode({'version': version})}"
    return fetch_json(url)


#: How long a catalogue's answer about a model's latest version is trusted
#: (per process): the notice on a procedure's page asks at most this often.
LATEST_TTL = 3600.0
#: A page view waits at most this for a catalogue.
NOTICE_TIMEOUT = 3.0
_latest: dict[tuple[str, str], tuple[float, int | None]] = {}


def latest_version(
    catalogue: str, model_id: str, *, now: float | None = None
) -> int | None:
    """The catalogue's latest version of ``model_id`` (None: unknown, or the
    catalogue unreachable), remembered for :data:`LATEST_TTL` seconds."""
    now = time.monotonic() if now is None else now
    key = (catalogue, model_id)
    checked = _latest.get(key)
    if checked is not None and now - checked[0] < LATEST_TTL:
        return checked[1]
    try:
        answer = remote_json.fetch_json(
            f"{catalogue_base(catalogue)}?{urlencode({'q': ''})}",
            headers={},
            timeout=NOTICE_TIMEOUT,
            max_bytes=MAX_BYTES,
        )
        items = answer.get("items") if isinstance(answer, dict) else None
        listed = map(listed_model, items if isinstance(items, list) else [])
        versions = [m["version"] for m in listed if m and m["model_id"] == model_id]
        version = versions[0] if versions else None
    except remote_json.FetchFailed as failure:
        logger.info("Catalogue of models %s: %s", catalogue, failure.reason)
        version = None
    _latest[key] = (now, version)
    return version
