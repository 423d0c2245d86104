"""HR's and supervisors' tables of agents: filtered, sorted and paged in SQL, so a company of thousands
answers with a fixed number of statements whatever its size.

Indicator scores come from the cached standings (one row per agent and indicator, see models.py), and
every mastery method is a column expression over them, so sorting by the index or by an indicator,
the index histogram and team or cohort means are aggregates the database computes. Only the page of
agents being shown is turned into Profile objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import Select, SQLColumnExpression, and_, case, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from ..learning.models import Course
from ..timeutil import utcnow
from . import services, stats
from .models import IndicatorScore, IndicatorWeight, WeightSet

PER_PAGE = 50
#: tenure bands in months: (id, label, from, below)
TENURE_BANDS = (("new", "3 个月以内", 0, 3), ("year", "3–12 个月", 3, 12), ("two", "1–2 年", 12, 24),
                ("senior", "2 年以上", 24, 10_000))
SORTS = ("name", "index", "-index", "coverage")


def score_column(method: stats.Mastery) -> SQLColumnExpression[float]:
    """The indicator score of `method` as SQL over the cached standing (stats.score_from in SQL)."""
    if method is stats.Mastery.MOST_RECENT:
        return IndicatorScore.latest
    if method is stats.Mastery.HIGHEST:
        return IndicatorScore.highest
    if method is stats.Mastery.MEAN:
        return IndicatorScore.mean
    decay = float(current_app.config["MASTERY_DECAY_WEIGHT"])
    return decay * IndicatorScore.latest + (1 - decay) * func.coalesce(IndicatorScore.earlier_mean,
                                                                      IndicatorScore.latest)


@dataclass(frozen=True)
class Filters:
    team_id: int | None = None
    grade: str = ""
    tenure: str = ""
    cohort: str = ""  # hire quarter, "2026Q1"
    search: str = ""
    sort: str = "name"
    indicator: str = ""  # sort by this indicator's score (descending) when set


def cohort_of(hire_date: date | None) -> str:
    return f"{hire_date.year}Q{(hire_date.month - 1) // 3 + 1}" if hire_date else ""


def _months_ago(months: int, today: date) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, 28))


def agents_query(viewer: User, flt: Filters) -> Select:
    """The agents `viewer` may see, narrowed by the filters (no ordering yet)."""
    query = accounts.visible_agents_query(viewer).where(User.active.is_(True))
    if flt.team_id:
        query = query.where(User.team_id == flt.team_id)
    if flt.grade:
        query = query.where(User.grade_code == flt.grade)
    if flt.search:
        like = f"%{flt.search.strip()[:40]}%"
        query = query.where(or_(User.display_name.like(like), User.username.like(like)))
    today = utcnow().date()
    band = next((b for b in TENURE_BANDS if b[0] == flt.tenure), None)
    if band is not None:
        # hired at most `from` months ago and more than `below` months ago
        query = query.where(User.hire_date <= _months_ago(band[2], today), User.hire_date > _months_ago(band[3], today))
    if flt.cohort and len(flt.cohort) == 6 and flt.cohort[4] == "Q" and flt.cohort[:4].isdigit() \
            and flt.cohort[5] in "1234":
        year, quarter = int(flt.cohort[:4]), int(flt.cohort[5])
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
        query = query.where(User.hire_date >= start, User.hire_date < end)
    return query


def index_subquery(weight_set: WeightSet, method: stats.Mastery, agents=None):
    """Per agent: the weighted index and coverage over the indicators with evidence (stats.weighted_index in SQL).

    `agents` (a subquery with an `id` column) narrows the aggregate to the agents being listed, so a team
    page does not aggregate the whole company.
    """
    score = score_column(method)
    total = db.session.scalar(select(func.sum(IndicatorWeight.combined)).where(
        IndicatorWeight.weight_set_id == weight_set.id, IndicatorWeight.combined.is_not(None))) or 1.0
    query = (select(IndicatorScore.agent_id.label("agent_id"),
                    (func.sum(IndicatorWeight.combined * score) / func.sum(IndicatorWeight.combined)).label("index"),
                    (func.sum(IndicatorWeight.combined) / total).label("coverage"))
             .join(IndicatorWeight, and_(IndicatorWeight.indicator_id == IndicatorScore.indicator_id,
                                         IndicatorWeight.weight_set_id == weight_set.id,
                                         IndicatorWeight.combined.is_not(None))))
    if agents is not None:
        query = query.where(IndicatorScore.agent_id.in_(select(agents.c.id)))
    return query.group_by(IndicatorScore.agent_id).subquery()


def ordered_agents(viewer: User, flt: Filters, model: services.ModelView, method: stats.Mastery):
    """(query of the filtered agents in the order asked for, the agents subquery, the index subquery)."""
    agents = agents_query(viewer, flt).subquery()
    indexed = index_subquery(model.weight_set, method, agents)
    base = (select(User).join(agents, agents.c.id == User.id)
            .options(selectinload(User.team), selectinload(User.grade)))  # a fixed number of statements
    if not flt.indicator and flt.sort in ("index", "-index", "coverage"):
        # only these orders need every listed agent's index; by name the page never computes it
        base = base.outerjoin(indexed, indexed.c.agent_id == User.id)
    if flt.indicator:
        per_indicator = (select(IndicatorScore.agent_id.label("agent_id"), score_column(method).label("value"))
                         .where(IndicatorScore.indicator_id == flt.indicator).subquery())
        base = base.outerjoin(per_indicator, per_indicator.c.agent_id == User.id)
        order = [func.coalesce(per_indicator.c.value, 101).asc(), User.display_name]  # weakest first
    elif flt.sort == "index":
        order = [func.coalesce(indexed.c.index, 101).asc(), User.display_name]  # weakest first
    elif flt.sort == "-index":
        order = [func.coalesce(indexed.c.index, -1).desc(), User.display_name]
    elif flt.sort == "coverage":
        order = [func.coalesce(indexed.c.coverage, 0).asc(), User.display_name]
    else:
        order = [User.display_name, User.id]
    return base.order_by(*order, User.id), agents, indexed


@dataclass
class Overview:
    profiles: list
    total: int
    page: int
    pages: int
    model: services.ModelView
    histogram: list[tuple[str, int]] = field(default_factory=list)
    mean_index: float | None = None
    mean_coverage: float | None = None
    unmeasured: int = 0  # agents without any evidence (left out of the histogram)


def overview(viewer: User, flt: Filters, *, page: int = 1, method: stats.Mastery = stats.Mastery.DECAYING_AVERAGE,
             weight_set: WeightSet | None = None, per_page: int = PER_PAGE) -> Overview | None:
    """One page of agents with their profiles, the total, and the index distribution of all filtered agents."""
    model = services.model_view(weight_set)
    if model is None:
        return None
    ordered, agents, indexed = ordered_agents(viewer, flt, model, method)
    total = db.session.scalar(select(func.count()).select_from(agents)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(db.session.scalars(ordered.offset((page - 1) * per_page).limit(per_page)))
    result = Overview(services.profiles_for(rows, model, method), total, page, pages, model)
    # the means and the histogram in one pass over the index aggregate (its cost grows with the company)
    bins = range(10, 101, 10)
    summary = db.session.execute(
        select(func.avg(indexed.c.index), func.avg(func.coalesce(indexed.c.coverage, 0)),
               *(func.sum(case((_in_bin(indexed, upper), 1), else_=0)) for upper in bins))
        .select_from(agents).outerjoin(indexed, indexed.c.agent_id == agents.c.id)).one()
    result.mean_index, result.mean_coverage = summary[0], summary[1]
    result.histogram = [(f"{u - 10}–{u}", int(count or 0)) for u, count in zip(bins, summary[2:], strict=True)]
    result.unmeasured = total - sum(c for _, c in result.histogram)
    return result


def _in_bin(indexed, upper: int) -> ColumnElement:
    """An agent with an index in [upper - 10, upper); the last bin also holds 100 (and an index that is NULL)."""
    index = indexed.c.index
    if upper >= 100:
        return and_(indexed.c.agent_id.is_not(None), or_(index.is_(None), index >= upper - 10))
    return and_(indexed.c.agent_id.is_not(None), index >= upper - 10, index < upper)


def chunks(viewer: User, flt: Filters, model: services.ModelView, method: stats.Mastery, size: int = 500):
    """Every filtered agent's profile, in order, a chunk at a time (exports of thousands of agents)."""
    ordered, _, _ = ordered_agents(viewer, flt, model, method)
    offset = 0
    while True:
        rows = list(db.session.scalars(ordered.offset(offset).limit(size)))
        if not rows:
            return
        yield services.profiles_for(rows, model, method)
        offset += size


@dataclass(frozen=True)
class GroupMeans:
    """Mean score per indicator for each group of agents (a team, or a hire cohort)."""

    label: str
    agents: int
    means: dict[str, float]


def means_by(viewer: User, flt: Filters, key: str, method: stats.Mastery = stats.Mastery.DECAYING_AVERAGE
             ) -> list[GroupMeans]:
    """Team against team (key "team") or hire cohort against cohort (key "cohort") on each indicator.

    The database sums scores per (team or hire date, indicator); hire dates fold into quarters here,
    which keeps the SQL the same on SQLite and PostgreSQL.
    """
    from ..accounts.models import Team

    agents = agents_query(viewer, flt).subquery()
    column = agents.c.team_id if key == "team" else agents.c.hire_date
    score = score_column(method)
    rows = db.session.execute(
        select(column, IndicatorScore.indicator_id, func.sum(score), func.count())
        .select_from(agents).join(IndicatorScore, IndicatorScore.agent_id == agents.c.id)
        .where(column.is_not(None)).group_by(column, IndicatorScore.indicator_id)).all()
    sizes_rows = db.session.execute(select(column, func.count()).select_from(agents)
                                    .where(column.is_not(None)).group_by(column)).all()
    label: Callable[[Any], str | None]  # a team id or a hire date → the group's name
    if key == "team":
        names = dict(db.session.execute(select(Team.id, Team.name)).all())
        label = names.get
    else:
        label = cohort_of
    sums: dict[str | None, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
    sizes: dict[str | None, int] = defaultdict(int)
    for value, count in sizes_rows:
        sizes[label(value)] += int(count)
    for value, indicator, total, count in rows:
        cell = sums[label(value)][indicator]
        cell[0] += float(total)
        cell[1] += int(count)
    return [GroupMeans(name, sizes[name], {i: t / c for i, (t, c) in sums[name].items() if c})
            for name in sorted(sizes, key=lambda n: (n is None, n or "")) if name]


def cohorts(viewer: User) -> list[str]:
    """The hire quarters present among the agents `viewer` may see, newest first."""
    agents = accounts.visible_agents_query(viewer).subquery()
    dates = db.session.scalars(select(agents.c.hire_date).distinct().where(agents.c.hire_date.is_not(None)))
    return sorted({cohort_of(d) for d in dates if d}, reverse=True)


@dataclass(frozen=True)
class Weakness:
    team: str
    indicator: str
    name: str
    mean: float | None
    courses: list[Course]


def weakest_by_team(groups: list[GroupMeans], model: services.ModelView, limit: int = 3) -> list[Weakness]:
    """Each team's weakest weighted indicators, with the courses that develop them."""
    courses = list(db.session.scalars(select(Course).where(Course.retired.is_(False)).order_by(Course.title)))
    names = model.indicator_names
    found = []
    for group in groups:
        for indicator in stats.weakest(group.means, model.combined, limit):
            found.append(Weakness(group.label, indicator, names.get(indicator, indicator), group.means.get(indicator),
                                  [c for c in courses if indicator in (c.indicators or [])][:3]))
    return found


TEAM_PAGE = 100


@dataclass
class TeamView:
    """A team's page: its members (heatmap and table), its means against the company's, its weak spots."""

    overview: Overview | None
    means: dict[str, float]
    company: dict[str, float]
    weak: list[Weakness]


def company_means(method: stats.Mastery) -> dict[str, float]:
    """Mean score per indicator over every active trainee (an aggregate: it shows nobody's own scores)."""
    rows = db.session.execute(
        select(IndicatorScore.indicator_id, func.avg(score_column(method)))
        .join(User, User.id == IndicatorScore.agent_id)
        .where(User.role == "trainee", User.active.is_(True)).group_by(IndicatorScore.indicator_id))
    return {indicator: float(mean) for indicator, mean in rows}


def team_view(viewer: User, team, method: stats.Mastery, *, weight_set: WeightSet | None = None,
              flt: Filters | None = None, page: int = 1) -> TeamView:
    flt = replace(flt or Filters(), team_id=team.id)
    result = overview(viewer, flt, page=page, method=method, weight_set=weight_set, per_page=TEAM_PAGE)
    if result is None:
        return TeamView(None, {}, {}, [])
    groups = means_by(viewer, Filters(team_id=team.id), "team", method)
    means = groups[0].means if groups else {}
    return TeamView(result, means, company_means(method), weakest_by_team(groups, result.model))
