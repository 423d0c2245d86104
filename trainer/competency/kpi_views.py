"""The monthly KPI report page and its XLSX / CSV exports (HR: every team; a supervisor: the teams they lead)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..access import allow
from ..exports import table_response
from ..messages import ServiceError
from . import kpis

bp = Blueprint("kpi", __name__, url_prefix="/hr/kpi")


def _report_or_abort() -> tuple[kpis.Report, int, int | None]:
    """The report for `?months=&team=`; another team's report is 403, an unknown team 404."""
    months = kpis.parse_months(request.args.get("months"))
    team_id = kpis.parse_team(request.args.get("team"))
    try:
        return kpis.monthly_report(current_user, months=months, team_id=team_id), months, team_id
    except ServiceError as err:
        abort(err.status, err.text)


@bp.route("")
@allow("hr", "supervisor")
def report():
    """One page with every KPI, a table per KPI of teams × months, so a meeting sees the month at a glance."""
    result, months, team_id = _report_or_abort()
    return render_template("competency/kpi.html", report=result, months=months, team_id=team_id,
                           teams=kpis.visible_teams(current_user), max_months=kpis.MAX_MONTHS)


@bp.route("/export.<any(xlsx, csv):fmt>")
@allow("hr", "supervisor")
def export(fmt: str):
    """The same report as a file to take to a meeting, with the page's filters."""
    result, months, _team = _report_or_abort()
    return table_response([kpis.report_table(result)], f"kpi-report-{result.months[-1]}-{months}m", fmt)
