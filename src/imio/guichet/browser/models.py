"""Pages of procedure models: share a procedure as a model (its editors),
and, for Site Administrators, the catalogues of models and the creation of
a procedure from a model or a package file (docs/models.md)."""

from datetime import datetime
from imio.guichet import _
from imio.guichet.browser.emails import TITLES as MAIL_TITLES
from imio.guichet.browser.form_editor import EDITOR_PATH
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.content.behaviors import IOnlineForm
from imio.guichet.content.procedure import IProcedure
from imio.guichet.errors import GuichetError
from imio.guichet.forms.display import format_datetime
from imio.guichet.models.package import check_package
from imio.guichet.models.package import LOCAL_PARAMETERS
from imio.guichet.models.package import setting_schema
from imio.guichet.models.publication import get_publication
from imio.guichet.models.update import MAIL
from imio.guichet.permissions import AddProcedure
from imio.guichet.usecases import models
from plone import api
from plone.app.layout.viewlets.common import ViewletBase
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import urlencode
from zope.i18n import translate

import json


def single(form: dict, name: str) -> str:
    value = form.get(name, "")
    return value[0] if isinstance(value, list) else value


#: The largest package file read (a package with a long form stays far below).
MAX_PACKAGE_BYTES = 5 * 1024 * 1024


def posted_package(form: dict) -> object:
    """The package a form posted: an uploaded file, or the JSON text the
    previous step kept in a hidden field; None if neither (``{}`` for one
    that is not JSON, which the core then refuses)."""
    upload = form.get("package_file")
    if upload and getattr(upload, "filename", None):
        text = upload.read(MAX_PACKAGE_BYTES + 1)
    elif single(form, "package_json"):
        text = single(form, "package_json")
    else:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return {}


class PageWithErrors(CallerOfRequest, BrowserView):
    """Shows a refusal of the core: its message, and each field's next to it."""

    error = None
    field_errors: dict = {}

    def done(self, message, url: str) -> str:
        """Post/Redirect/Get: the message for the next page, and the redirect."""
        api.portal.show_message(
            translate(message, context=self.request), request=self.request
        )
        self.request.response.redirect(url, status=303)
        return ""

    def refused(self, exc: GuichetError) -> None:
        self.error = translate(exc.message, context=self.request)
        self.field_errors = {
            error.field: translate(error.message, context=self.request)
            for error in exc.fields or ()
        }

    def parameter_fields(self, parameters) -> list[dict]:
        """The form's inputs for a package's local ``parameters``: each
        one's title and kind, whether it is required, what was typed."""
        titles = {p["name"]: p for p in self.parameter_titles()}
        return [
            {
                **titles[parameter["name"]],
                "required": parameter["required"],
                "value": single(self.request.form, f"value-{parameter['name']}"),
            }
            for parameter in parameters
        ]

    def parameter_titles(self) -> list[dict]:
        return [
            {
                "name": name,
                "title": translate(parameter.title, context=self.request),
                "kind": parameter.kind,
            }
            for name, parameter in LOCAL_PARAMETERS.items()
        ]


class ShareModelView(PageWithErrors):
    """@@guichet-share-model on a procedure: publish its next version."""

    def __call__(self):
        self.error, self.field_errors = None, {}
        if self.request.method == "POST" and "withdraw" in self.request.form:
            CheckAuthenticator(self.request)
            try:
                models.withdraw_model(self.caller, self.context)
            except GuichetError as exc:
                self.refused(exc)
                return self.index()
            return self.done(
                _("model_withdrawn", default="The model is no longer shared."),
                f"{self.context.absolute_url()}/@@guichet-share-model",
            )
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            form = self.request.form
            parameters = [
                {"name": name, "required": bool(form.get(f"required-{name}"))}
                for name in LOCAL_PARAMETERS
                if form.get(f"local-{name}")
            ]
            try:
                package = models.share_version(
                    self.caller,
                    self.context,
                    model_id=single(form, "model_id"),
                    parameters=parameters,
                    changes=single(form, "changes"),
                )
            except GuichetError as exc:
                self.refused(exc)
            else:
                return self.done(
                    _(
                        "model_version_shared",
                        default="Version ${version} of the model is published.",
                        mapping={"version": package["version"]},
                    ),
                    f"{self.context.absolute_url()}/@@guichet-share-model",
                )
        return self.index()

    def publication(self) -> dict | None:
        publication = get_publication(self.context)
        if publication is None or not publication.versions:
            return None
        latest = publication.package()
        language = api.portal.get_current_language()
        return {
            "model_id": publication.model_id,
            # Stored as ISO 8601 (the package's, for machines); read in the
            # site's time zone, as the page's language writes a date.
            "versions": [
                {
                    **version,
                    "published": format_datetime(
                        datetime.fromisoformat(version["published"]), language
                    ),
                }
                for version in publication.history()
            ],
            "local": {p["name"]: p["required"] for p in latest["parameters"]},
            "url": f"{api.portal.get().absolute_url()}/@guichet-models/"
            f"{publication.model_id}",
        }

    def default_model_id(self) -> str:
        return single(self.request.form, "model_id") or self.context.getId()


class ModelCataloguesView(PageWithErrors):
    """@@guichet-models-catalogues: the catalogues' models, by title."""

    def catalogues(self) -> list[dict]:
        search = single(self.request.form, "q")
        found = []
        for catalogue in models.model_catalogues():
            entry = {"url": catalogue, "models": [], "error": None}
            try:
                entry["models"] = [
                    {
                        **model,
                        "use_url": f"{api.portal.get().absolute_url()}/"
                        "@@guichet-use-model?"
                        + urlencode(
                            {"catalogue": catalogue, "model": model["model_id"]}
                        ),
                    }
                    for model in models.browse_catalogue(self.caller, catalogue, search)
                ]
            except GuichetError as exc:
                entry["error"] = translate(exc.message, context=self.request)
            found.append(entry)
        return found


class UseModelView(PageWithErrors):
    """@@guichet-use-model: a new procedure from a model of a catalogue
    (``catalogue`` and ``model``) or from a package file, with the local
    parameters, in a folder the user may add procedures to."""

    package = None

    def __call__(self):
        self.error, self.field_errors = None, {}
        form = self.request.form
        self.catalogue = single(form, "catalogue")
        try:
            self.package = self.read_package()
        except GuichetError as exc:
            self.refused(exc)
        creating = "folder" in form
        if self.request.method == "POST" and self.package is not None and creating:
            CheckAuthenticator(self.request)
            created = self.create()
            if created is not None:
                return self.done(
                    _(
                        "model_procedure_created",
                        default="The procedure was created from the model, "
                        "private: check it, then publish it.",
                    ),
                    f"{created.absolute_url()}/edit",
                )
        return self.index()

    def read_package(self) -> dict | None:
        form = self.request.form
        if self.catalogue:
            # From the catalogue, whatever else was posted: the origin the
            # procedure will name is where its package came from.
            return models.fetch_model(
                self.caller, self.catalogue, single(form, "model")
            )
        posted = posted_package(form)
        return check_package(posted) if posted is not None else None

    def create(self):
        form = self.request.form
        container = self.container(single(form, "folder"))
        values = {name: single(form, f"value-{name}") for name in LOCAL_PARAMETERS}
        try:
            procedure = models.create_from_model(
                self.caller,
                container,
                self.package,
                values,
                catalogue=self.catalogue,
            )
        except GuichetError as exc:
            self.refused(exc)
            return None
        return procedure

    def container(self, path: str):
        portal = api.portal.get()
        found = portal.unrestrictedTraverse(path.strip("/"), None) if path else portal
        return found if found is not None else portal

    def folders(self) -> list[dict]:
        """Where the user may add a procedure (the site and its folders)."""
        portal = api.portal.get()
        places = [portal] + [
            brain.getObject()
            for brain in api.content.find(portal_type="Folder", sort_on="path")[:200]
        ]
        site_path = len(portal.getPhysicalPath())
        return [
            {
                "path": "/".join(place.getPhysicalPath()[site_path:]),
                "title": place.Title(),
            }
            for place in places
            if api.user.has_permission(AddProcedure, obj=place)
        ]

    def parameters(self) -> list[dict]:
        return self.parameter_fields((self.package or {}).get("parameters", []))

    def package_json(self) -> str:
        return json.dumps(self.package) if self.package else ""


#: How the parts of a procedure are named on the update page.
PART_TITLES = {
    "title": _("label_title", default="Title"),
    "description": _("label_description", default="Summary"),
    "form": _("label_form", default="Form"),
    "fee": _("label_fee", default="Fee (euros)"),
}


class ModelUpdateView(PageWithErrors):
    """@@guichet-model-update on a procedure made from a model: what the
    newer version changes, and applying it."""

    check = None

    def __call__(self):
        self.error, self.field_errors = None, {}
        form = self.request.form
        try:
            self.check = models.check_update(
                self.caller,
                self.context,
                posted_package(form),
                version=single(form, "version") or None,
            )
        except GuichetError as exc:
            self.refused(exc)
            return self.index()
        if self.request.method == "POST" and "apply" in form:
            CheckAuthenticator(self.request)
            values = {name: single(form, f"value-{name}") for name in LOCAL_PARAMETERS}
            try:
                done = models.apply_update(
                    self.caller, self.context, self.check["package"], values
                )
            except GuichetError as exc:
                self.refused(exc)
                return self.index()
            if IOnlineForm(self.context).working_copy is not None:
                # Citizens keep the published form: the webmaster goes to
                # the editor, to preview and publish the merged one.
                return self.done(
                    _(
                        "model_update_applied_form_waits",
                        default="Version ${version} of the model is applied. "
                        "Its form waits in the working copy: preview it, then "
                        "publish it.",
                        mapping={"version": done["version"]},
                    ),
                    f"{self.context.absolute_url()}/{EDITOR_PATH}",
                )
            return self.done(
                _(
                    "model_update_applied",
                    default="Version ${version} of the model is applied.",
                    mapping={"version": done["version"]},
                ),
                self.context.absolute_url(),
            )
        return self.index()

    def part_title(self, part: str) -> str:
        if part.startswith(MAIL):
            title = MAIL_TITLES.get(part.removeprefix(MAIL), part)
            return translate(title, context=self.request)
        if part.startswith("text:") or part.startswith("setting:"):
            name = part.split(":", 1)[1]
            field = IProcedure.get(name) or setting_schema(name).get(name)
            return translate(field.title, context=self.request) if field else name
        if part.startswith("field:") or part.startswith("step:"):
            kind, name = part.split(":", 1)
            title = (
                _(
                    "part_form_field",
                    default="Form field ${name}",
                    mapping={"name": name},
                )
                if kind == "field"
                else _(
                    "part_form_step",
                    default="Form step ${name}",
                    mapping={"name": name},
                )
            )
            return translate(title, context=self.request)
        return translate(PART_TITLES.get(part, part), context=self.request)

    def text_changes(self) -> list[dict]:
        changes = self.check["changes"]
        texts = [
            {"title": self.part_title(f"text:{n}"), "runs": runs}
            for n, runs in changes.texts.items()
        ]
        if changes.description:
            texts.insert(
                0,
                {"title": self.part_title("description"), "runs": changes.description},
            )
        return texts

    def setting_changes(self) -> list[dict]:
        changes = self.check["changes"]
        rows = [
            {"title": self.part_title(f"setting:{name}"), "was": was, "now": now}
            for name, (was, now) in changes.settings.items()
        ]
        if changes.title:
            rows.insert(
                0,
                {
                    "title": self.part_title("title"),
                    "was": changes.title[0],
                    "now": changes.title[1],
                },
            )
        if changes.fee:
            rows.append(
                {
                    "title": self.part_title("fee"),
                    "was": changes.fee[0],
                    "now": changes.fee[1],
                }
            )
        return rows

    def kept(self) -> list[str]:
        return [self.part_title(part) for part in self.check["kept_local_changes"]]

    def new_parameters(self) -> list[dict]:
        return self.parameter_fields(self.check["new_parameters"])

    def package_json(self) -> str:
        return json.dumps(self.check["package"]) if self.check else ""


class ModelUpdateNotice(CallerOfRequest, ViewletBase):
    """The notice "Model update available" for the procedure's editors
    (the catalogue is asked at most hourly, see models.remote); for a
    procedure made from a package file, the way to apply a newer file."""

    index = ViewPageTemplateFile("templates/model_update_notice.pt")
    version = None
    file_origin = None

    def update(self):
        self.version = models.update_notice(self.caller, self.context)
        if not self.version:
            self.file_origin = models.file_origin(self.caller, self.context)

    def render(self):
        return self.index() if self.version or self.file_origin else ""
