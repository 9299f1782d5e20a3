"""Procedure models: sharing a procedure as a model, reading the catalogue
of models, and creating a procedure from a model (docs/models.md).

Models describe procedures, never what was filed: the catalogue is
readable without login. Sharing a version asks the right to edit the
procedure; creating from a model, the right to add a procedure where it
goes. Both are in the audit trail.
"""

from datetime import datetime
from datetime import UTC
from imio.guichet.audit import record
from imio.guichet.authority import get_authority
from imio.guichet.caller import Caller
from imio.guichet.content.procedure import PROCEDURE_TYPE
from imio.guichet.errors import FieldError
from imio.guichet.errors import Forbidden
from imio.guichet.errors import InvalidInput
from imio.guichet.errors import LoginRequired
from imio.guichet.errors import NotFound
from imio.guichet.models import remote
from imio.guichet.models.diff import package_changes
from imio.guichet.models.package import apply_local_values as apply_package_parameters
from imio.guichet.models.package import apply_package
from imio.guichet.models.package import check_local_values
from imio.guichet.models.package import check_package
from imio.guichet.models.package import LOCAL_PARAMETERS
from imio.guichet.models.package import package_of
from imio.guichet.models.publication import get_origin
from imio.guichet.models.publication import get_publication
from imio.guichet.models.publication import IPublishedModel
from imio.guichet.models.publication import ModelOrigin
from imio.guichet.models.publication import set_origin
from imio.guichet.models.publication import start_publication
from imio.guichet.models.publication import stop_publication
from imio.guichet.models.settings import IModelSettings
from imio.guichet.models.update import apply_parts
from imio.guichet.models.update import local_names
from imio.guichet.models.update import merge_update
from imio.guichet.permissions import AddProcedure
from imio.guichet.permissions import ShareModel
from imio.guichet.submissions.query import whole_number
from imio.guichet.urls import public_site_url
from imio.guichet.urls import public_url_of
from plone import api
from zope.lifecycleevent import modified

import re


MODEL_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}\Z")
NO_SUCH_MODEL = "No such model."


def _refuse(caller: Caller):
    return LoginRequired() if caller.is_anonymous else Forbidden()


def _published_models() -> dict:
    """model_id -> procedure, for every procedure shared as a model (those
    its editors published, whatever the procedure's own workflow state:
    sharing a version is the act of publishing it)."""
    catalog = api.portal.get_tool("portal_catalog")
    found = {}
    for brain in catalog.unrestrictedSearchResults(
        object_provides=IPublishedModel.__identifier__
    ):
        procedure = brain._unrestrictedGetObject()
        publication = get_publication(procedure)
        if publication is not None and publication.versions:
            found[publication.model_id] = procedure
    return found


def share_version(
    caller: Caller,
    procedure,
    *,
    model_id: str,
    parameters: list[dict],
    changes: str,
    now: datetime | None = None,
) -> dict:
    """Publish the procedure as it is now as the next version of its model
    (the first: under ``model_id``); its package."""
    if not api.user.has_permission(ShareModel, obj=procedure):
        raise _refuse(caller)
    publication = get_publication(procedure)
    model_id = publication.model_id if publication is not None else model_id.strip()
    errors = []
    if not MODEL_ID.match(model_id or ""):
        errors.append(
            FieldError(
                "model_id",
                "invalid",
                "Lower-case letters, digits and hyphens, e.g. extrait-naissance.",
            )
        )
    elif publication is None and model_id in _published_models():
        errors.append(FieldError("model_id", "taken", "Another model has this id."))
    names = [parameter.get("name") for parameter in parameters]
    if any(name not in LOCAL_PARAMETERS for name in names) or len(set(names)) != len(
        names
    ):
        errors.append(FieldError("parameters", "invalid", "Unknown local parameter."))
    if len(changes) > 5000:
        errors.append(FieldError("changes", "too_long", "At most 5,000 characters."))
    if errors:
        raise InvalidInput("The model cannot be shared so.", fields=errors)
    if publication is None:
        publication = start_publication(procedure, model_id)
    authority = get_authority()
    package = package_of(
        procedure,
        model_id=model_id,
        version=publication.latest_version + 1,
        published=now or datetime.now(UTC),
        changes=changes.strip(),
        parameters=[
            {"name": p["name"], "required": bool(p.get("required"))} for p in parameters
        ],
        publisher={
            "site": public_site_url(),
            "authority": authority.official_name,
        },
    )
    check_package(package)
    publication.add(package)
    record(
        caller,
        "publish_model",
        details={
            "procedure": public_url_of(procedure),
            "model": model_id,
            "version": package["version"],
        },
    )
    return package


def withdraw_model(caller: Caller, procedure) -> None:
    """Stop sharing the procedure as a model: its versions are no longer
    served (sites made from it keep what they applied)."""
    if not api.user.has_permission(ShareModel, obj=procedure):
        raise _refuse(caller)
    publication = get_publication(procedure)
    if publication is None:
        raise NotFound(NO_SUCH_MODEL)
    stop_publication(procedure)
    record(
        caller,
        "withdraw_model",
        details={"procedure": public_url_of(procedure), "model": publication.model_id},
    )


def list_models(caller: Caller, search: str = "") -> list[dict]:
    """The models this site publishes (latest versions), by title;
    ``search`` keeps those whose title has all its words (any case)."""
    words = search.lower().split()
    items = []
    for model_id, procedure in _published_models().items():
        publication = get_publication(procedure)
        package = publication.package()
        title = package["procedure"]["title"]
        if not all(word in title.lower() for word in words):
            continue
        items.append(
            {
                "model_id": model_id,
                "title": title,
                "description": package["procedure"].get("description", ""),
                "version": package["version"],
                "published": package["published"],
                "changes": package.get("changes", ""),
                "versions": publication.history(),
            }
        )
    return sorted(items, key=lambda item: (item["title"].lower(), item["model_id"]))


def model_package(caller: Caller, model_id: str, version: int | None = None) -> dict:
    """A version of a model (the latest by default); NotFound otherwise."""
    procedure = _published_models().get(model_id)
    package = get_publication(procedure).package(version) if procedure else None
    if package is None:
        raise NotFound(NO_SUCH_MODEL)
    return package


def model_catalogues() -> list[str]:
    return list(
        api.portal.get_registry_record(
            "catalogues", interface=IModelSettings, default=None
        )
        or []
    )


def _check_may_create(caller: Caller, container) -> None:
    if not api.user.has_permission(AddProcedure, obj=container):
        raise _refuse(caller)


#: Who browses other sites' catalogues: Site Administrators (the
#: control panel's permission), since it makes this site call them.
SITE_SETUP = "Plone Site Setup: Site"


def _check_may_browse(caller: Caller) -> None:
    if not api.user.has_permission(SITE_SETUP, obj=api.portal.get()):
        raise _refuse(caller)


def browse_catalogue(caller: Caller, catalogue: str, search: str = "") -> list[dict]:
    """The models of one of the site's catalogues (control panel)."""
    _check_may_browse(caller)
    if catalogue not in model_catalogues():
        raise NotFound("Not a catalogue of this site.")
    return remote.remote_models(catalogue, search)


def fetch_model(caller: Caller, catalogue: str, model_id: str) -> dict:
    """The latest package of a model of one of the site's catalogues."""
    _check_may_browse(caller)
    _check_catalogue(catalogue)
    if not MODEL_ID.match(model_id or ""):
        raise NotFound(NO_SUCH_MODEL)
    return check_package(remote.remote_package(catalogue, model_id))


def _check_catalogue(catalogue: str) -> None:
    """Only the catalogues of the control panel are called, and named as a
    procedure's origin."""
    if catalogue not in model_catalogues():
        raise NotFound("Not a catalogue of this site.")


def create_from_model(
    caller: Caller,
    container,
    package: object,
    values: dict,
    *,
    catalogue: str = "",
    now: datetime | None = None,
):
    """A new (private) procedure in ``container`` made from ``package`` with
    the authority's local parameters; the procedure."""
    _check_may_create(caller, container)
    if catalogue:
        _check_catalogue(catalogue)
    package = check_package(package)
    local_values = check_local_values(package, values)
    procedure = api.content.create(
        container,
        PROCEDURE_TYPE,
        title=package["procedure"]["title"],
        safe_id=True,
    )
    apply_package(procedure, package, local_values)
    set_origin(
        procedure,
        ModelOrigin(catalogue, package, now or datetime.now(UTC), local_values),
    )
    # As the edit form does: the catalog, the modification date and every
    # subscriber (versioning, caches) learn of the change.
    modified(procedure)
    record(
        caller,
        "create_from_model",
        details={
            "procedure": public_url_of(procedure),
            "model": package["model_id"],
            "version": package["version"],
            "catalogue": catalogue or "file",
        },
    )
    return procedure


# -- Updating a procedure made from a model -------------------------------------


def _check_may_edit(caller: Caller, procedure) -> None:
    if not api.user.has_permission("Modify portal content", obj=procedure):
        raise _refuse(caller)


def _origin_of(procedure):
    origin = get_origin(procedure)
    if origin is None:
        raise NotFound("This procedure was not made from a model.")
    return origin


def update_notice(caller: Caller, procedure) -> int | None:
    """The newer version of the procedure's model its editors may apply,
    if its catalogue has one (asked at most hourly; None when unknown)."""
    origin = get_origin(procedure)
    if origin is None or not origin.catalogue:
        return None
    if not api.user.has_permission("Modify portal content", obj=procedure):
        return None
    latest = remote.latest_version(origin.catalogue, origin.model_id)
    return latest if latest is not None and latest > origin.version else None


def file_origin(caller: Caller, procedure) -> dict | None:
    """For the procedure's editors, the model and version a procedure made
    from a package file has (no catalogue tells of newer ones: its editors
    bring the newer file themselves); None otherwise."""
    origin = get_origin(procedure)
    if origin is None or origin.catalogue:
        return None
    if not api.user.has_permission("Modify portal content", obj=procedure):
        return None
    return {"model_id": origin.model_id, "version": origin.version}


def newer_package(caller: Caller, procedure, package: object = None, version=None):
    """The version of the procedure's model to compare or apply: from its
    catalogue (the latest, or ``version``: the one the editor reviewed),
    or ``package`` read from a file for a procedure made from a file."""
    _check_may_edit(caller, procedure)
    origin = _origin_of(procedure)
    if origin.catalogue:
        if package is not None:
            raise InvalidInput("This procedure follows its catalogue, not a file.")
        _check_catalogue(origin.catalogue)
        wanted = whole_number(str(version)) if version not in (None, "") else None
        return check_package(
            remote.remote_package(origin.catalogue, origin.model_id, wanted)
        )
    if package is None:
        raise InvalidInput("This procedure was made from a file: give the newer one.")
    return check_package(package)


def check_update(
    caller: Caller, procedure, package: object = None, version=None
) -> dict:
    """What applying the catalogue's latest version (or ``version``, or
    ``package``, a newer version read from a file) would change: the
    versions, the changes part by part, which of the authority's changes
    would be kept, and the local parameters the new version adds."""
    newer = newer_package(caller, procedure, package, version)
    origin = _origin_of(procedure)
    if newer["model_id"] != origin.model_id:
        raise InvalidInput("This package is another model.")
    base = origin.package
    merged = merge_update(procedure, base, newer)
    return {
        "origin": origin,
        "package": newer,
        "newer": newer["version"] > origin.version,
        "changes": package_changes(base, newer),
        "kept_local_changes": merged.kept_local_changes,
        "new_parameters": [
            p for p in newer["parameters"] if p["name"] not in local_names(base)
        ],
    }


def apply_update(
    caller: Caller,
    procedure,
    package: object,
    values: dict,
    *,
    now: datetime | None = None,
) -> dict:
    """Apply ``package``, a newer version of the procedure's model: the
    parts the authority left as the model had them take the new version's
    value, its own changes and local parameters are kept, the form becomes
    a new version if it changed. Returns what was kept."""
    _check_may_edit(caller, procedure)
    origin = _origin_of(procedure)
    newer = check_package(package)
    if newer["model_id"] != origin.model_id or newer["version"] <= origin.version:
        raise InvalidInput("This is not a newer version of the procedure's model.")
    base = origin.package
    added = [p for p in newer["parameters"] if p["name"] not in local_names(base)]
    given = check_local_values({"parameters": added}, values)
    merged = merge_update(procedure, base, newer)
    apply_parts(procedure, merged.values)
    if given:
        apply_package_parameters(procedure, given)
    set_origin(
        procedure,
        ModelOrigin(
            origin.catalogue,
            newer,
            now or datetime.now(UTC),
            dict.fromkeys((*origin.local_names, *given), True),
        ),
    )
    # As the edit form does: the catalog, the modification date and every
    # subscriber (versioning, caches) learn of the change.
    modified(procedure)
    record(
        caller,
        "update_from_model",
        details={
            "procedure": public_url_of(procedure),
            "model": newer["model_id"],
            "from_version": origin.version,
            "version": newer["version"],
            "kept": list(merged.kept_local_changes),
        },
    )
    return {
        "kept_local_changes": merged.kept_local_changes,
        "version": newer["version"],
    }
