"""`trainer demo --agents N --evidence M`: the large generated company, and the bulk rebuild of standings it uses."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from trainer.accounts.models import Team, User
from trainer.competency import dashboards, services
from trainer.competency.models import Evidence, IndicatorScore
from trainer.demo import DEMO_PASSWORD
from trainer.demo.company import HR_USERNAME, TEAM_PREFIX, create_company
from trainer.extensions import db
from trainer.review.models import Violation
from trainer.timeutil import utcnow

AGENTS, EVIDENCE, INDICATORS = 25, 20, 11


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _agents() -> list[User]:
    return list(db.session.scalars(select(User).where(User.username.like("agent-%")).order_by(User.username)))


@pytest.fixture
def company(runner):
    result = runner.invoke(args=["demo", "--agents", str(AGENTS), "--evidence", str(EVIDENCE)])
    assert result.exit_code == 0, result.output
    assert f"created {AGENTS} agent(s) in 3 new team(s), {AGENTS * EVIDENCE} evidence record(s)" in result.output
    db.session.expire_all()
    return result


def test_company_has_teams_of_about_ten_with_a_supervisor(company):
    agents = _agents()
    assert [a.username for a in agents] == [f"agent-{n:05d}" for n in range(1, AGENTS + 1)]
    assert all(a.role == "trainee" and a.team is not None for a in agents)
    teams = list(db.session.scalars(select(Team).where(Team.name.like(f"{TEAM_PREFIX}%"))))
    assert len(teams) == 3
    sizes = Counter(a.team_id for a in agents)
    assert sorted(sizes.values()) == [8, 8, 9]
    assert all(len(t.supervisors) == 1 and t.supervisors[0].username.startswith("lead-") for t in teams)
    assert _count(User, User.role == "supervisor") == 3 and _count(User, User.role == "hr") == 1
    # one hash for every account, and it is the demo password
    hashes = set(db.session.scalars(select(User.password_hash).where(User.username.like("agent-%"))))
    assert len(hashes) == 1
    assert len({a.login_id for a in agents}) == AGENTS  # but each account signs in (and out) on its own


def test_company_evidence_standings_and_variety(company):
    agents = _agents()
    assert _count(Evidence) == AGENTS * EVIDENCE
    per_agent = dict(db.session.execute(select(IndicatorScore.agent_id, func.count())
                                        .group_by(IndicatorScore.agent_id)).all())
    assert per_agent == {a.id: INDICATORS for a in agents}  # every indicator measured at least once
    total = db.session.scalar(select(func.sum(IndicatorScore.count))) or 0
    assert total == AGENTS * EVIDENCE

    now = utcnow()
    first, last = db.session.execute(select(func.min(Evidence.recorded_at), func.max(Evidence.recorded_at))).one()
    assert first >= now - timedelta(days=366) and last <= now
    assert last - first > timedelta(days=300)  # spread over about a year
    months = {at.strftime("%Y-%m") for at in db.session.scalars(select(Evidence.recorded_at))}
    assert len(months) >= 12
    hired = {a.id: a.hire_date for a in agents}
    for agent_id, at in db.session.execute(select(Evidence.agent_id, func.min(Evidence.recorded_at))
                                           .group_by(Evidence.agent_id)):
        assert at.date() >= hired[agent_id]  # nobody is measured before they joined

    values = list(db.session.scalars(select(Evidence.value)))
    assert min(values) >= 0 and max(values) <= 100 and max(values) - min(values) > 30
    assert len({a.grade_code for a in agents}) >= 2
    bands = {next(b[0] for b in dashboards.TENURE_BANDS if (now.date() - a.hire_date).days / 30.4 < b[3])
             for a in agents}
    assert len(bands) >= 3
    assert len({dashboards.cohort_of(a.hire_date) for a in agents}) >= 4
    assert 1 <= _count(Violation) <= AGENTS // 5


def test_second_run_adds_nothing_and_a_larger_one_adds_the_rest(company, runner):
    again = runner.invoke(args=["demo", "--agents", str(AGENTS), "--evidence", str(EVIDENCE)])
    assert again.exit_code == 0 and "nothing added" in again.output
    assert _count(User) == AGENTS + 3 + 1 and _count(Evidence) == AGENTS * EVIDENCE
    assert _count(Team) == 3

    summary = create_company(AGENTS + 5, 4, password=DEMO_PASSWORD)
    assert (summary.agents, summary.skipped, summary.evidence) == (5, AGENTS, 20)
    db.session.expire_all()
    assert len(_agents()) == AGENTS + 5 and _count(Evidence) == AGENTS * EVIDENCE + 20


def test_evidence_needs_agents(runner):
    result = runner.invoke(args=["demo", "--evidence", "10"])
    assert result.exit_code != 0 and "--evidence needs --agents" in result.output


def test_hr_overview_lists_the_company(company, client):
    assert login(client, HR_USERNAME, DEMO_PASSWORD).status_code == 302
    page = client.get("/hr")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'id="agent-total">{AGENTS}<' in text
    assert len(re.findall(r'<tr data-agent="', text)) == AGENTS
    team = db.session.scalar(select(Team).where(Team.name.like(f"{TEAM_PREFIX}%")).order_by(Team.name))
    assert client.get(f"/teams/{team.id}").status_code == 200
    assert client.get(f"/competency/agents/{_agents()[0].id}").status_code == 200


def test_bulk_rebuild_matches_the_standings_kept_as_evidence_came_in(make_user):
    """The bulk rebuild gives what record_evidence kept, corrections included, and repairs a damaged cache."""
    a, b = make_user("trainee"), make_user("trainee")
    now = utcnow()
    old = services.record_evidence(agent=a, indicator_id="communication", value=40, source_kind="exam",
                                   at=now - timedelta(days=3))
    services.record_evidence(agent=a, indicator_id="communication", value=70, source_kind="exam",
                             at=now - timedelta(days=2))
    services.record_evidence(agent=a, indicator_id="communication", value=90, source_kind="correction",
                             supersedes=old, at=now - timedelta(days=1))
    services.record_evidence(agent=a, indicator_id="teamwork", value=55, source_kind="exam")
    services.record_evidence(agent=b, indicator_id="teamwork", value=65, source_kind="exam")

    def cache() -> dict:
        return {(r.agent_id, r.indicator_id): (r.count, r.latest, r.earlier_mean, r.mean, r.highest, r.latest_at)
                for r in db.session.scalars(select(IndicatorScore))}

    kept = cache()
    assert kept[(a.id, "communication")][:5] == (2, 90, 70, 80, 90)  # the superseded 40 no longer counts
    db.session.execute(IndicatorScore.__table__.delete().where(IndicatorScore.agent_id == b.id))
    db.session.execute(IndicatorScore.__table__.update().values(latest=1.0))
    db.session.commit()
    assert services.rebuild_standings(batch=1) == 3
    assert cache() == kept
    assert services.rebuild_standings([a.id]) == 2 and cache() == kept
