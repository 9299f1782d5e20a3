"""``@@guichet-dashboard``, on a procedure or on the site: the figures of
the requests the user may read (requests per week over twelve months,
counts per state, processing times, late requests), as SVG charts each
with its table, and as CSV (``?format=csv``). The permission, the scope
and the audit record are the use case's
(:mod:`imio.guichet.usecases.dashboard`), as for ``GET @guichet-dashboard``."""

from functools import cached_property
from imio.guichet import _
from imio.guichet.browser.charts import bar_chart
from imio.guichet.browser.charts import horizontal_bar_chart
from imio.guichet.browser.display import state_label
from imio.guichet.browser.errors import raise_for_page
from imio.guichet.channels.caller import CallerOfRequest
from imio.guichet.content.translations import canonical_uid
from imio.guichet.errors import GuichetError
from imio.guichet.forms.kinds.dates import format_day
from imio.guichet.usecases import dashboard
from plone.base.interfaces import IPloneSiteRoot
from Products.Five.browser import BrowserView
from zope.i18n import translate


DASHBOARD_VIEW = "@@guichet-dashboard"


class DashboardView(CallerOfRequest, BrowserView):
    @cached_property
    def on_site(self) -> bool:
        return IPloneSiteRoot.providedBy(self.context)

    @cached_property
    def within(self) -> str | None:
        return None if self.on_site else canonical_uid(self.context)

    def __call__(self):
        try:
            if self.request.form.get("format") == "csv":
                body = dashboard.dashboard_csv(self.caller, within=self.within)
                response = self.request.response
                response.setHeader("Content-Type", "text/csv; charset=utf-8")
                response.setHeader(
                    "Content-Disposition",
                    'attachment; filename="guichet-dashboard.csv"',
                )
                return body
            self.figures = dashboard.read_dashboard(
                self.caller, within=self.within, kind="html"
            ).figures
        except GuichetError as exc:
            raise_for_page(exc)
            raise
        return self.index()

    def text(self, message) -> str:
        return translate(message, context=self.request)

    def csv_url(self) -> str:
        return f"{self.context.absolute_url()}/{DASHBOARD_VIEW}?format=csv"

    def requests_url(self) -> str:
        return f"{self.context.absolute_url()}/@@guichet-requests"

    def weeks(self) -> list[dict]:
        return [
            {"week": format_day(monday, self.caller.language), "count": count}
            for monday, count in self.figures.weeks
        ]

    def states(self) -> list[dict]:
        return [
            {"state": state, "label": self.text(state_label(state)), "count": count}
            for state, count in self.figures.states
        ]

    def weeks_chart(self) -> str:
        weeks = self.weeks()
        return bar_chart(
            [(week["week"][:5], week["count"]) for week in weeks],
            ident="guichet-weeks",
            title=self.text(_("title_requests_per_week", default="Requests per week")),
            desc=self.text(
                _(
                    "help_requests_per_week_chart",
                    default="Requests filed each week, from the week of "
                    "${first} to the week of ${last}: ${total} in all.",
                    mapping={
                        "first": weeks[0]["week"],
                        "last": weeks[-1]["week"],
                        "total": sum(week["count"] for week in weeks),
                    },
                )
            ),
            label_every=4,
        )

    def states_chart(self) -> str:
        states = self.states()
        return horizontal_bar_chart(
            [(state["label"], state["count"]) for state in states],
            ident="guichet-states",
            title=self.text(
                _("title_requests_per_state", default="Requests per state")
            ),
            desc=", ".join(f"{state['label']}: {state['count']}" for state in states),
        )

    def duration(self, hours: int | None) -> str:
        """A processing time in words: hours below three days, else days."""
        if hours is None:
            return "—"
        if hours < 72:
            return self.text(
                _(
                    "label_duration_hours",
                    default="${hours} h",
                    mapping={"hours": hours},
                )
            )
        return self.text(
            _(
                "label_duration_days",
                default="${days} days",
                mapping={"days": hours // 24},
            )
        )
