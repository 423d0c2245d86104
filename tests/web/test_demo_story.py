"""The demo tells the story its docstring promises (trainer/demo/__init__.py and surveys.py): a finished
two-round Delphi survey that converges, promotions decided and one waiting, trainees rising and slipping,
one team weaker on one indicator, role-plays that differ.

The demo takes a while to build, so it is built ONCE for this module, through `trainer demo` as a user
would run it, on a fresh copy of the migrated template database; the tests only read it.
"""

from __future__ import annotations

import logging
import shutil

import pytest
from sqlalchemy import select

from tests.conftest import BASE_CONFIG, POSTGRES_URL, IsolatedClient, _reset_postgres, login
from trainer import create_app
from trainer.accounts.models import User
from trainer.competency import dashboards, history, promotions, surveys
from trainer.competency import services as competency
from trainer.competency.survey_models import DelphiSurvey
from trainer.demo import DEMO_PASSWORD
from trainer.demo.surveys import SURVEY_TITLE
from trainer.extensions import db
from trainer.roleplay.models import RoleplaySession


@pytest.fixture(scope="module")
def demo_app(database_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-story")
    if POSTGRES_URL:
        uri = POSTGRES_URL
    else:
        shutil.copyfile(database_template, folder / "demo.sqlite3")
        uri = f"sqlite:///{folder / 'demo.sqlite3'}"
    application = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": folder / "instance"})
    application.test_client_class = IsolatedClient
    if POSTGRES_URL:  # the shared database must hold nothing an earlier module left, or the demo skips its story
        _reset_postgres(application)
    skipped = _Collect(logging.WARNING)
    logging.getLogger("trainer.demo").addHandler(skipped)
    try:
        with application.app_context():
            result = application.test_cli_runner().invoke(args=["demo"])
            assert result.exit_code == 0, result.output
            db.session.remove()
    finally:
        logging.getLogger("trainer.demo").removeHandler(skipped)
    application.config["DEMO_WARNINGS"] = skipped.messages
    yield application
    if POSTGRES_URL:
        _reset_postgres(application)
    with application.app_context():
        db.engine.dispose()


class _Collect(logging.Handler):
    """The warnings the demo logs when a part of its story cannot be told (a promotion a rule refused, …)."""

    def __init__(self, level: int):
        super().__init__(level)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def demo(demo_app):
    """An app context on the demo database for one test."""
    with demo_app.app_context():
        yield demo_app
        db.session.remove()


def user(username: str) -> User:
    found = db.session.scalar(select(User).where(User.username == username))
    assert found is not None, username
    return found


def survey() -> DelphiSurvey:
    found = db.session.scalar(select(DelphiSurvey).where(DelphiSurvey.title == SURVEY_TITLE))
    assert found is not None
    return found


def test_the_demo_tells_its_whole_story_without_skipping_a_part(demo):
    assert demo.config["DEMO_WARNINGS"] == []


def test_the_delphi_survey_finished_after_two_rounds_that_converge(demo):
    done = survey()
    assert done.status == "ended" and done.ended_at is not None
    assert [r.number for r in done.rounds] == [1, 2] and not any(r.is_open for r in done.rounds)
    first, second = (surveys.round_results(r) for r in done.rounds)
    assert first.answers == second.answers == len(done.experts) >= 6
    assert second.first.w > first.first.w and second.second.w > first.second.w
    assert max(s.cv for s in second.second.stats.values()) < max(s.cv for s in first.second.stats.values())
    assert not first.converged and second.converged and done.rounds[1].close_reason == "consensus"
    assert first.comments and first.proposals
    # dated over the last two months, in order
    assert done.created_at < done.rounds[0].opened_at < done.rounds[0].closed_at < done.rounds[1].opened_at
    assert done.rounds[1].closed_at <= done.ended_at


def test_the_panel_has_platform_and_outside_experts(demo):
    experts = survey().experts
    outside = [e for e in experts if e.outside]
    assert outside and all(e.affiliation for e in outside)
    assert {e.user.username for e in experts if not e.outside} == {"demo-hr", "demo-supervisor", "zhao-supervisor"}


def test_the_surveys_weights_are_left_for_hr_to_apply(demo):
    assert survey().weight_set_id is None
    assert competency.active_weight_set().source != "delphi"  # the shipped weights stay active
    client = demo.test_client()
    assert login(client, "demo-hr", DEMO_PASSWORD).status_code == 302
    page = client.get(f"/competency/surveys/{survey().id}").get_data(as_text=True)
    assert "生成权重版本" in page
    export = client.get(f"/competency/surveys/{survey().id}/rounds/2/export.xlsx")
    assert export.status_code == 200


def test_lin_xiaoyu_waits_on_the_list_for_intermediate(demo):
    eligible, _ = promotions.eligible_for(user("demo-hr"))
    waiting = {e.agent.username: e.next.code for e in eligible}
    assert waiting.get("demo-trainee") == "intermediate"
    client = demo.test_client()
    assert login(client, "demo-hr", DEMO_PASSWORD).status_code == 302
    assert "林小雨" in client.get("/competency/promotions").get_data(as_text=True)


def test_lin_xiaoyus_essay_waits_for_her_supervisor(demo):
    from trainer.assessment.models import ExamAttempt
    from trainer.review.models import ReviewItem

    attempt = db.session.scalar(select(ExamAttempt).where(ExamAttempt.status == "marking"))
    assert attempt is not None and attempt.user.username == "demo-trainee" and attempt.score is None
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.kind == "exam_essay"))
    assert item is not None and item.queued and item.grade_id is None
    client = demo.test_client()
    assert login(client, "demo-supervisor", DEMO_PASSWORD).status_code == 302
    assert "问答题批阅" in client.get("/review/queue?kind=exam_essay").get_data(as_text=True)
    trainee = demo.test_client()
    assert login(trainee, "demo-trainee", DEMO_PASSWORD).status_code == 302
    assert "待批阅" in trainee.get(f"/exams/attempts/{attempt.id}/result").get_data(as_text=True)


def test_the_grade_history_has_a_confirmed_and_a_declined_promotion(demo):
    decisions = promotions.recent_decisions(user("demo-hr"))
    confirmed = [d for d in decisions if d.decision == "confirm"]
    declined = [d for d in decisions if d.decision == "decline"]
    assert confirmed and declined and all(d.reason.strip() for d in decisions), demo.config["DEMO_WARNINGS"]
    wang = user("wang-fang")
    assert confirmed[0].agent_id == wang.id and wang.grade_code == "senior" == confirmed[0].to_code
    assert declined[0].agent.grade_code == declined[0].from_code  # a decline leaves the grade
    assert confirmed[0].at < declined[0].at


def _index_trend(username: str) -> list[float]:
    model = competency.model_view()
    return [m.index for m in history.series(user(username), model, 4) if m.index is not None]


def test_chen_jie_slips_and_lin_xiaoyu_improves_month_by_month(demo):
    chen, lin = _index_trend("chen-jie"), _index_trend("demo-trainee")
    assert len(chen) >= 3 and len(lin) >= 3
    assert chen[-1] < chen[0] and lin[-1] > lin[0]


def test_team_two_is_weaker_on_understanding_needs(demo):
    means = {g.label: g.means for g in dashboards.means_by(user("demo-hr"), dashboards.Filters(), "team")}
    assert means["客服二组"]["understanding_needs"] < means["客服一组"]["understanding_needs"]


def test_role_play_scores_differ(demo):
    scores = list(db.session.scalars(select(RoleplaySession.score).where(RoleplaySession.score.is_not(None))))
    assert len(scores) > 1 and len(set(scores)) > 1
