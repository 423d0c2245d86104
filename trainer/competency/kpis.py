"""HR's monthly KPI report: complaint handling, satisfaction, typing, exams, courses and review, per team and month.

Each KPI is one SQL aggregate grouped by (team, month) over the agents the viewer may see, so the page
costs the same handful of statements for ten agents or ten thousand. Months are the service desk's
calendar months (TRAINER_TIMEZONE), not UTC ones: a course finished at 01:00 on the 1st in Shanghai
belongs to the new month. Labels and targets come from question_bank/competency/kpis.yaml (read through
the pure loader, cached until the file changes), so HR can move a target without a release. Agreement
(Fleiss' kappa) cannot be an SQL aggregate; it is computed by the pure review.agreement over the few
calibration sessions in the window.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Date, Select, SQLColumnExpression, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ..accounts import services as accounts
from ..accounts.models import Team, User
from ..assessment.models import ExamAttempt, TypingAttempt
from ..content.kpis import KpiDef, load_kpis
from ..exports import Table
from ..extensions import db
from ..learning.models import CourseFeedback, Enrolment
from ..messages import ServiceError
from ..review import agreement
from ..review.models import CalibrationItem, CalibrationSession, ReviewGrade, ReviewItem
from ..roleplay.models import RoleplaySession
from ..timeutil import utcnow

KPIS_FILE = Path("question_bank/competency/kpis.yaml")
DEFAULT_MONTHS, MAX_MONTHS = 6, 24
TOTAL_NAME = "合计"
UNIT_LABELS = {"percent": "%", "count": "项", "cpm": "字/分", "kappa": "κ"}

_CACHE: dict[tuple[str, int, int], tuple[KpiDef, ...]] = {}


def kpi_definitions() -> tuple[KpiDef, ...]:
    """The KPIs of kpis.yaml under CONTENT_ROOT, parsed once per version of the file (mtime and size)."""
    path = Path(current_app.config["CONTENT_ROOT"]) / KPIS_FILE
    try:
        stat = path.stat()
    except OSError:
        raise ServiceError("kpi.content_invalid", 503, problems=f"{KPIS_FILE}: 找不到文件") from None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        kpis, errors = load_kpis(path, KPIS_FILE.as_posix())
        if errors:
            raise ServiceError("kpi.content_invalid", 503, problems="; ".join(str(e) for e in errors))
        _CACHE.clear()
        _CACHE[key] = kpis
    return _CACHE[key]


def parse_months(raw: str | None) -> int:
    """`?months=`: a whole number, held to 1–24; anything else is the default 6."""
    try:
        value = int(str(raw).strip())
    except ValueError:
        return DEFAULT_MONTHS
    return min(MAX_MONTHS, max(1, value))


def parse_team(raw: str | None) -> int | None:
    """`?team=`: empty or not a number means every team; an id beyond any real one is kept (it gives 404)."""
    text = (raw or "").strip()
    if not text.isdigit():
        return None
    value = int(text)
    return value if value < 2**63 else 0


# --- months in the service desk's time zone, bucketed in SQL ---------------------------------------------


@dataclass(frozen=True)
class Window:
    months: tuple[str, ...]  # "YYYY-MM", oldest first
    start: datetime  # naive UTC: local midnight on the 1st of the first month
    end: datetime  # naive UTC: local midnight on the 1st of the month after the last
    first_day: date
    today: date  # local
    offset: int  # the zone's current UTC offset in minutes (SQL shifts stored UTC times by it)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE", os.environ.get("TRAINER_TIMEZONE", "Asia/Shanghai")))


def window(count: int, now: datetime | None = None) -> Window:
    """The last `count` calendar months, the current one included."""
    zone = _zone()
    local_now = (now or utcnow()).replace(tzinfo=UTC).astimezone(zone)
    year, month = local_now.year, local_now.month
    starts = []
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    starts.reverse()
    starts.append(_next_month(starts[-1]))  # the start of next month closes the window

    def utc(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)

    offset = local_now.utcoffset() or timedelta(0)
    return Window(months=tuple(d.strftime("%Y-%m") for d in starts[:-1]), start=utc(starts[0]), end=utc(starts[-1]),
                  first_day=starts[0], today=local_now.date(), offset=int(offset.total_seconds() // 60))


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def month_key(column: SQLColumnExpression[date | None], offset: int, *, is_date: bool = False) -> ColumnElement[str]:
    """"YYYY-MM" of a stored time in local time: strftime on SQLite, to_char on PostgreSQL.

    Constants are literals, not bind parameters: PostgreSQL only accepts the same expression in SELECT and
    GROUP BY when they are textually identical, and two bind parameters are two different expressions.
    """
    if db.engine.dialect.name == "postgresql":
        shifted = column if is_date else column + literal_column(f"interval '{int(offset)} minutes'")
        return func.to_char(shifted, literal_column("'YYYY-MM'"))
    if is_date:
        return func.strftime(literal_column("'%Y-%m'"), column)
    return func.strftime(literal_column("'%Y-%m'"), column, literal_column(f"'{int(offset):+d} minutes'"))


def local_date(column: SQLColumnExpression[datetime | None], offset: int) -> ColumnElement:
    """The local calendar day of a stored UTC time, comparable with a Date column."""
    if db.engine.dialect.name == "postgresql":
        return cast(column + literal_column(f"interval '{int(offset)} minutes'"), Date)
    return func.date(column, literal_column(f"'{int(offset):+d} minutes'"))


# --- the report ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One KPI for one team in one month. `basis` is how many records are behind it (0: no data)."""

    value: float | None
    basis: int
    met: bool | None  # None: no target, or no data


@dataclass(frozen=True)
class Row:
    team: str
    month: str
    kpi: KpiDef
    cell: Cell


@dataclass(frozen=True)
class Report:
    months: tuple[str, ...]
    kpis: tuple[KpiDef, ...]
    teams: tuple[tuple[int | None, str], ...]  # (team id, name); (None, "合计") last when several teams
    cells: dict[tuple[str, int | None, str], Cell]  # (kpi id, team id, month)

    def cell(self, kpi_id: str, team_id: int | None, month: str) -> Cell:
        return self.cells[(kpi_id, team_id, month)]

    def rows(self) -> Iterator[Row]:
        """Team × month × KPI, in page order (what the exports write)."""
        for team_id, name in self.teams:
            for month in self.months:
                for kpi in self.kpis:
                    yield Row(name, month, kpi, self.cell(kpi.id, team_id, month))


def visible_teams(viewer: User, team_id: int | None = None) -> list[Team]:
    """HR: every team; a supervisor: the teams they lead. Another team's report is 403, an unknown team 404."""
    teams = accounts.managed_teams(viewer) if viewer.role in ("hr", "supervisor") else []
    if team_id is None:
        return teams
    chosen = [t for t in teams if t.id == team_id]
    if chosen:
        return chosen
    if db.session.get(Team, team_id) is None:
        raise ServiceError("kpi.unknown_team", 404)
    raise ServiceError("kpi.not_your_team", 403)


def monthly_report(viewer: User, months: int = DEFAULT_MONTHS, team_id: int | None = None) -> Report:
    """Every KPI for each team the viewer may see (or the one asked for), over the last `months` months."""
    kpis = kpi_definitions()
    teams = visible_teams(viewer, team_id)
    span = window(min(MAX_MONTHS, max(1, months)))
    ids = [t.id for t in teams]
    tallies = _tallies(viewer, ids, span) if ids else {}
    listed: list[tuple[int | None, str]] = [(t.id, t.name) for t in teams]
    if len(teams) > 1:
        listed.append((None, TOTAL_NAME))
    cells = {}
    for kpi in kpis:
        for tid, _name in listed:
            for month in span.months:
                num, den = tallies.get((kpi.id, tid, month), (0.0, 0))
                value = None if den == 0 else round(num if kpi.unit == "count" else num / den, 6)
                cells[(kpi.id, tid, month)] = Cell(value, den, kpi.target.met_by(value) if kpi.target else None)
    return Report(span.months, kpis, tuple(listed), cells)


def report_table(report: Report) -> Table:
    """The report as one long sheet (a row per team, month and KPI), for XLSX and CSV."""
    def rows() -> Iterator[list[object]]:
        for row in report.rows():
            cell, kpi = row.cell, row.kpi
            value = None if cell.value is None else (int(cell.value) if kpi.unit == "count" else round(cell.value, 2))
            met = "无数据" if cell.value is None else ("无目标" if cell.met is None else
                                                      ("达标" if cell.met else "未达标"))
            yield [row.team, row.month, kpi.label, value, UNIT_LABELS[kpi.unit], cell.basis, kpi.target_text, met]

    return Table(title="KPI 月报", header=["团队", "月份", "指标", "数值", "单位", "样本数", "目标", "是否达标"],
                 rows=rows(), widths={0: 16, 2: 16, 6: 12})


# --- the aggregates --------------------------------------------------------------------------------------

Tallies = dict[tuple[str, int | None, str], tuple[float, int]]


def _tallies(viewer: User, team_ids: list[int], span: Window) -> Tallies:
    """(kpi, team, month) → (numerator, records); the total (team None) sums the teams."""
    agents = (accounts.visible_agents_query(viewer).where(User.team_id.in_(team_ids))
              .with_only_columns(User.id.label("agent_id"), User.team_id.label("team_id")).subquery())
    out: Tallies = {}

    def add(kpi: str, team: int | None, month: str, num: float, den: int) -> None:
        if month not in span.months or not den:
            return
        for key in ((kpi, team, month), (kpi, None, month)):
            old = out.get(key, (0.0, 0))
            out[key] = (old[0] + float(num), old[1] + int(den))

    def grouped(model, user_col, when, *sums, where=(), through=None, is_date=False) -> Select:
        """count(*) and `sums` per (team, month of `when`); `through` = (model, on) joined before the agents."""
        month = month_key(when, span.offset, is_date=is_date)
        lower, upper = (span.first_day, span.today) if is_date else (span.start, span.end)
        query = select(agents.c.team_id, month, func.count(), *sums).select_from(model)
        if through is not None:
            query = query.join(*through)
        return (query.join(agents, agents.c.agent_id == user_col).where(when >= lower, when < upper, *where)
                .group_by(agents.c.team_id, month))

    def hits(condition) -> ColumnElement:
        return func.sum(case((condition, 1), else_=0))

    plays = grouped(RoleplaySession, RoleplaySession.user_id, RoleplaySession.finished_at,
                    hits(RoleplaySession.outcome == "resolved"), hits(RoleplaySession.outcome == "escalated"),
                    where=(RoleplaySession.status == "finished",))
    for team, month, total, resolved, escalated in db.session.execute(plays):
        add("roleplay_resolved", team, month, 100 * (resolved or 0), total)
        add("roleplay_escalated", team, month, 100 * (escalated or 0), total)

    best = _best_typing(span)
    late = or_(Enrolment.completed_at.is_(None), local_date(Enrolment.completed_at, span.offset) > Enrolment.due_date)
    # (kpi, query of team, month, records, sum, multiplier making sum / records the KPI's value)
    measures = (
        ("course_satisfaction", 20, grouped(  # mean rating ÷ 5, as a percent
            CourseFeedback, Enrolment.user_id, CourseFeedback.created_at, func.sum(CourseFeedback.rating),
            through=(Enrolment, Enrolment.id == CourseFeedback.enrolment_id))),
        ("typing_speed", 1, select(agents.c.team_id, best.c.month, func.count(), func.sum(best.c.cpm))
            .select_from(best).join(agents, agents.c.agent_id == best.c.user_id)
            .group_by(agents.c.team_id, best.c.month)),
        ("exam_pass_rate", 100, grouped(
            ExamAttempt, ExamAttempt.user_id, ExamAttempt.submitted_at, hits(ExamAttempt.passed.is_(True)),
            where=(ExamAttempt.status == "submitted", ExamAttempt.passed.is_not(None)))),
        ("course_completion", 100, grouped(
            Enrolment, Enrolment.user_id, Enrolment.enrolled_at, hits(Enrolment.status == "completed"))),
        ("overdue_assignments", 1, grouped(Enrolment, Enrolment.user_id, Enrolment.due_date, hits(late),
                                           is_date=True)),
        ("human_graded_share", 100, grouped(
            ReviewItem, ReviewItem.agent_id, ReviewItem.created_at, hits(ReviewItem.grade_id.is_not(None)),
            where=(ReviewItem.auto_score.is_not(None),))),
    )
    for kpi, multiplier, query in measures:
        for team, month, count, total in db.session.execute(query):
            add(kpi, team, month, multiplier * (total or 0), count)

    _calibration(agents, span, out)
    return out


def _best_typing(span: Window):
    """Each agent's best typing speed per month: everyone counts once, however often they practised."""
    month = month_key(TypingAttempt.submitted_at, span.offset)
    return (select(TypingAttempt.user_id, month.label("month"), func.max(TypingAttempt.cpm).label("cpm"))
            .where(TypingAttempt.submitted_at >= span.start, TypingAttempt.submitted_at < span.end,
                   TypingAttempt.cpm.is_not(None))
            .group_by(TypingAttempt.user_id, month).subquery())


def _calibration(agents, span: Window, out: Tallies) -> None:
    """Mean Fleiss' kappa of the sessions that closed in the month and graded the team's agents' work.

    A session counts once for every team whose work it held, and once in the total.
    """
    deadline = CalibrationSession.deadline
    month = month_key(deadline, span.offset)
    touched = db.session.execute(
        select(CalibrationSession.id, month, agents.c.team_id).distinct().select_from(CalibrationSession)
        .join(CalibrationItem, CalibrationItem.session_id == CalibrationSession.id)
        .join(ReviewItem, ReviewItem.id == CalibrationItem.item_id)
        .join(agents, agents.c.agent_id == ReviewItem.agent_id)
        .where(and_(deadline >= span.start, deadline < span.end, deadline <= utcnow()))
    ).all()
    if not touched:
        return
    units: dict[int, dict[tuple[int, str], dict[int, int]]] = defaultdict(dict)
    grades = select(ReviewGrade.calibration_id, ReviewGrade.item_id, ReviewGrade.grader_id, ReviewGrade.ratings) \
        .where(ReviewGrade.calibration_id.in_(sorted({row[0] for row in touched})))
    for session_id, item_id, grader_id, ratings in db.session.execute(grades):
        for indicator, rating in (ratings or {}).items():
            if rating is not None:
                units[session_id].setdefault((item_id, indicator), {})[grader_id] = int(rating)
    kappas = {sid: _fleiss(u) for sid, u in units.items()}
    counted: set[tuple[int, str]] = set()
    for session_id, label, team in touched:
        kappa = kappas.get(session_id)
        if kappa is None or label not in span.months:
            continue
        keys = [("calibration_kappa", team, label)]
        if (session_id, label) not in counted:
            counted.add((session_id, label))
            keys.append(("calibration_kappa", None, label))
        for key in keys:
            old = out.get(key, (0.0, 0))
            out[key] = (old[0] + kappa, old[1] + 1)


def _fleiss(units: dict[tuple[int, str], dict[int, int]]) -> float | None:
    try:
        return agreement.summarise(units).fleiss
    except ValueError:  # a rating off the 1–5 scale: that session cannot be summarised, the report goes on
        return None
