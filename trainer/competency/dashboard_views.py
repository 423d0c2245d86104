"""HR's and supervisors' pages over many agents: the overview, team pages, comparisons and their exports."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..access import allow
from ..accounts.models import Team
from ..exports import table_response
from ..extensions import db
from . import dashboards, reports, services
from .dashboard_forms import AgentFilterForm

bp = Blueprint("dashboards", __name__)
FORMATS = ("xlsx", "csv")


def _filtered(team: Team | None = None):
    """The filter form from the query string, the filters it gives, and the weight set and method chosen."""
    weight_set = services.weight_set_by_version(request.args.get("weights"))
    model = services.model_view(weight_set)
    form = AgentFilterForm(request.args)
    form.fill_choices(current_user, model)
    flt = form.filters()
    if team is not None:
        flt = dashboards.Filters(**{**flt.__dict__, "team_id": team.id})
    method = services.parse_method(request.args.get("method"))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return form, flt, weight_set, method, args


def team_or_403(team_id: int) -> Team:
    """A team HR or one of its supervisors may look at (404 unknown, 403 someone else's team)."""
    team = db.session.get(Team, team_id)
    if team is None:
        abort(404)
    if current_user.role != "hr" and team not in current_user.led_teams:
        abort(403)
    return team


@bp.route("/hr")
@allow("hr")
def hr():
    form, flt, weight_set, method, args = _filtered()
    page = form.page.data if not form.errors and form.page.data else 1
    result = dashboards.overview(current_user, flt, page=page, method=method, weight_set=weight_set,
                                 per_page=dashboards.PER_PAGE)
    return render_template("competency/hr.html", form=form, view=result, method=method, args=args,
                           weights=request.args.get("weights", "")), 400 if form.errors else 200


@bp.route("/hr/compare")
@allow("hr")
def compare():
    """Team against team and cohort against cohort on every indicator, and each team's weakest indicators."""
    form, flt, weight_set, method, args = _filtered()
    model = services.model_view(weight_set)
    teams = dashboards.means_by(current_user, flt, "team", method)
    cohorts = dashboards.means_by(current_user, flt, "cohort", method)
    weak = dashboards.weakest_by_team(teams, model) if model else []
    return render_template("competency/compare.html", form=form, model=model, teams=teams, cohorts=cohorts,
                           weak=weak, method=method, args=args), 400 if form.errors else 200


@bp.route("/team")
@allow("supervisor")
def team():
    """A supervisor's home: each team they lead, with its heatmap."""
    method = services.parse_method(request.args.get("method"))
    pages = [(t, dashboards.team_view(current_user, t, method)) for t in current_user.led_teams]
    return render_template("competency/team.html", teams=pages, method=method)


@bp.route("/teams/<int:team_id>")
@allow("supervisor", "hr")
def team_detail(team_id: int):
    team = team_or_403(team_id)
    form, flt, weight_set, method, args = _filtered(team)
    view = dashboards.team_view(current_user, team, method, weight_set=weight_set, flt=flt)
    return render_template("competency/team_detail.html", team=team, view=view, form=form, method=method,
                           args=args)


@bp.route("/hr/export.<fmt>")
@allow("hr")
def export_overview(fmt: str):
    """Every agent matching the filters, one row each, as XLSX (streamed) or CSV."""
    if fmt not in FORMATS:
        abort(404)
    _, flt, weight_set, method, _ = _filtered()
    tables = reports.overview_tables(current_user, flt, method, weight_set)
    if tables is None:
        abort(404)
    return table_response(tables, "能力总览", fmt)


@bp.route("/teams/<int:team_id>/export.<fmt>")
@allow("supervisor", "hr")
def export_team(team_id: int, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    team = team_or_403(team_id)
    _, flt, weight_set, method, _ = _filtered(team)
    tables = reports.overview_tables(current_user, flt, method, weight_set, title=f"{team.name} 热力图")
    if tables is None:
        abort(404)
    return table_response(tables, f"{team.name}-能力热力图", fmt)
