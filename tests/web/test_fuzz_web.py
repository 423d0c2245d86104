"""Fuzzing with hypothesis: every JSON API body and every form of the web UI, never a 500.

One populated world for the module (the roles, a record of every kind a URL can name, API tokens), built
through the real services, with the API rate limits off so a 429 never hides what a view does.

- JSON API: `POST /api/v1/score`, `/practice`, `/roleplay/sessions`, `/roleplay/sessions/<id>/turns` and
  `/review/items/<id>/grade` get hypothesis-made bodies: mostly a valid body with a field or two of the wrong
  type or missing, otherwise any JSON (every type, nesting, huge and odd strings), raw tokens JSON has no
  business holding (NaN, Infinity, 1e999, 5,000-digit integers, lone surrogates, NUL, nesting past the bound),
  bodies that are not JSON or not UTF-8, any content type, and ids in the URL that are someone else's,
  unknown or past what an id column holds. Each answer is JSON and its status one README documents for that
  endpoint; an error is `{"error": text, "status": code}`; every endpoint both succeeds and refuses at least
  once. The pages' own JSON endpoints (exam autosave, lesson heartbeat, drill turns) get the same bodies.
- Forms: every POST rule of `app.url_map` outside the API, as a signed-in user of a role the view allows
  (the anonymous visitor for public ones), with the world's real ids in the URL and a valid CSRF token taken
  from a page. The fields are the form's own (read from the pages that show it: inputs with their types,
  selects, buttons, file inputs), mostly filled as a person would with one or two gone wrong, sometimes all
  at random, plus random names: unicode, huge values, numbers past 64 bits, impossible dates, YAML and GIFT
  text, several values for one name, or missing altogether. No answer may be a 5xx, a CSRF refusal (the fuzz
  would never have reached the view) or a sign-out. `FUZZ_FORMS_ONLY=endpoint,…` narrows the run to a few.
- What the fuzz found is kept as plain regression tests (`test_what_the_fuzz_found_*`).

Examples are derandomized (the same on every run and in CI); the example database is off.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import traceback
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import (
    PASSWORD,
    csrf_from,
    login,
    module_app,
)
from tests.unit.test_fuzz_content import NASTY, gift_file
from trainer.access import PUBLIC
from trainer.config import api_rate_limits
from trainer.messages import msg


def fuzz(examples: int):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    phases=(Phase.explicit, Phase.generate, Phase.shrink),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.large_base_example,
                                           HealthCheck.function_scoped_fixture])


# --- the world -------------------------------------------------------------------------------------------------

REPLY = "非常抱歉给您添麻烦了，理解您的心情，请您放心，我们马上处理，谢谢您告诉我们。"


@dataclass
class World:
    users: dict[str, object]
    ids: dict[str, object]  # URL variable -> value
    overrides: dict[str, dict[str, object]] = field(default_factory=dict)  # endpoint -> {variable: value}
    tokens: dict[str, str] = field(default_factory=dict)  # actor -> API token
    practice_blocks: list[tuple[str, str]] = field(default_factory=list)  # (course slug, block id)
    scenario_ids: list[str] = field(default_factory=list)
    own_session: int = 0  # a role-play of trainee A, restarted when it ends
    other_session: int = 0  # trainee B's
    items: dict[str, int] = field(default_factory=dict)  # "own", "other_team": review items
    indicators: list[str] = field(default_factory=list)


def _build_world() -> World:
    """Everything through the services a real user's requests call (as in test_route_matrix)."""
    from trainer.accounts import services as accounts
    from trainer.assessment import services as assessment
    from trainer.competency import promotions, surveys
    from trainer.competency import services as competency
    from trainer.demo.activity import answer_for
    from trainer.extensions import db
    from trainer.learning import services as learning
    from trainer.practice import services as practice
    from trainer.review import calibration, disputes, drills, grading, spotchecks, violations
    from trainer.review.grading import GradeInput
    from trainer.review.models import ReviewItem
    from trainer.roleplay import services as roleplay
    from trainer.timeutil import utcnow

    def user(username: str, role: str, **fields):
        return accounts.create_user(username=username, password=PASSWORD, role=role,
                                    **{"display_name": username, **fields})

    sup1, sup2 = user("supervisor-1", "supervisor"), user("supervisor-2", "supervisor")
    team1 = accounts.save_team(None, name="一组", description="", supervisors=[sup1])
    team2 = accounts.save_team(None, name="二组", description="", supervisors=[sup2])
    hired = date.today() - timedelta(days=400)
    a = user("trainee-a", "trainee", team=team1, grade_code="junior", hire_date=hired)
    b = user("trainee-b", "trainee", team=team1, grade_code="junior", hire_date=hired)
    c = user("trainee-c", "trainee", team=team2, grade_code="junior", hire_date=hired)
    spare = user("trainee-d", "trainee", team=team2, grade_code="junior", hire_date=hired)
    spare_team = accounts.save_team(None, name="三组", description="", supervisors=[])
    hr, admin = user("hr", "hr"), user("admin", "admin")
    users = {"trainee_a": a, "trainee_b": b, "supervisor_1": sup1, "supervisor_2": sup2, "hr": hr, "admin": admin}

    attempt = practice.practise(a, script="complaint", text=REPLY)
    practice.practise(a, script="complaint", text="请您稍等，我马上为您查询。")
    practice.practise(a, script="complaint", text="您好，请问有什么可以帮您？")
    practice.practise(c, script="complaint", text=REPLY)
    items = list(db.session.scalars(select(ReviewItem).where(ReviewItem.agent_id == a.id).order_by(ReviewItem.id)))
    graded, calibrated, ungraded = items[0], items[1], items[2]
    other_team = db.session.scalars(select(ReviewItem).where(ReviewItem.agent_id == c.id)).first()
    grading.grade_item(graded, sup1, GradeInput(ratings=dict.fromkeys(graded.indicators, 3), comment="可以更好"))
    dispute = disputes.open_dispute(graded, a, comment="我已经说了", proposed={})
    session = calibration.open_session(sup1, title="校准", items=[calibrated], graders=[sup1, hr],
                                       deadline=utcnow() + timedelta(days=7), expert=None, tolerance=10.0)

    scenario = roleplay.scenarios()[0]
    played = roleplay.start(a, scenario.id)
    roleplay.take_turn(played, a, REPLY)
    theirs = roleplay.start(b, scenario.id)

    course = next(c for c in learning.catalogue() if c.practices)
    enrolment = learning.enrol(a, course)
    learning.visit(enrolment, course.segments[0])
    learning.assign(course, by=sup1, due_date=date.today() + timedelta(days=10), team=team1)

    category = next(c.id for c in assessment.categories()
                    if len(assessment.pool(assessment.Draw(c.id, 1, 5, 2))) >= 2)
    paper = assessment.create_paper(
        by=sup1, title="月考", description="", mode="fixed",
        question_ids=assessment.pool(assessment.Draw(category, 1, 5, 2))[:2], draws=[], time_limit=30,
        max_attempts=50, pass_mark=60, shuffle_questions=False, shuffle_options=False, closed_book=False,
        team=team1, opens_at=None, closes_at=None)
    exam = assessment.start_attempt(paper, a)

    passage = assessment.passages()[0]
    typing = assessment.start_typing(a, passage)
    weekly = assessment.weekly_question()
    assessment.answer_weekly(b, answer_for(weekly.question.question(), True, random.Random(1)))

    indicator = competency.model_view().groups[0].indicators[0].id
    evidence = competency.record_evidence(agent=a, indicator_id=indicator, value=70, source_kind="supervisor",
                                          recorded_by=sup1, note="观察")
    violation = violations.record_violation(sup1, a, category_id=violations.categories()[0].id,
                                            occurred_on=date.today(), note="迟到")
    drill = drills.open_drill(sup1, a, title="投诉演练", script="complaint")
    drills.say(drill, sup1, "你们怎么回事？")
    check = next(c for c in (spotchecks.draw(sup1, team1) for _ in range(64)) if c.agent_id == a.id)

    request = learning.file_request(sup1, title="投诉话术", need="新人不会安抚", team=team1)
    promotions.decline(a, hr, to_code=promotions.of_agent(a).next.code, reason="再练一个月")
    survey = surveys.create_survey(hr, title="权重复核")
    surveys.add_platform_expert(survey, hr, sup1)
    surveys.add_platform_expert(survey, hr, hr)
    outside, token = surveys.add_outside_expert(survey, hr, name="外部专家")
    surveys.open_round(survey, hr)

    ids = {
        "user_id": a.id, "agent_id": a.id, "team_id": team1.id,
        "session_id": played.id, "attempt_id": exam.id, "paper_id": paper.id,
        "item_id": ungraded.id, "dispute_id": dispute.id, "evidence_id": evidence.id,
        "violation_id": violation.id, "drill_id": drill.id, "check_id": check.id, "request_id": request.id,
        "survey_id": survey.id, "expert_id": outside.id, "number": 1, "token": token,
        "slug": course.slug, "position": 0, "scenario_id": scenario.id,
    }
    overrides = {
        "admin.edit_user": {"user_id": spare.id},
        "admin.reset_password": {"user_id": spare.id},
        "admin.edit_team": {"team_id": spare_team.id},
        "practice.result": {"attempt_id": attempt.id},
        "assessment.type_passage": {"attempt_id": typing.id},
        "review.calibration_page": {"session_id": session.id},
        "review.calibration_item": {"session_id": session.id, "item_id": calibrated.id},
        "learning.segment": {"position": 1},
        "learning.time_spent": {"position": 1},
    }
    blocks = []
    for slug_course in learning.catalogue():
        for ident in slug_course.practices:
            blocks += [(slug_course.slug, ident), (slug_course.slug, ident.removeprefix(f"{slug_course.slug}-"))]
    return World(
        users=users, ids=ids, overrides=overrides,
        tokens={key: accounts.issue_api_token(u) for key, u in users.items()},
        practice_blocks=blocks, scenario_ids=[s.id for s in roleplay.scenarios()],
        own_session=played.id, other_session=theirs.id,
        items={"own": ungraded.id, "graded": graded.id, "other_team": other_team.id},
        indicators=[*ungraded.indicators, indicator],
    )


@pytest.fixture(scope="module")
def world_app(database_template, tmp_path_factory):
    with module_app(database_template, tmp_path_factory.mktemp("fuzz-web"), REVIEW_SAMPLE_RATE=1.0,
                    API_RATE_LIMITS=api_rate_limits("off")) as app:
        app.extensions["fuzz_world"] = _build_world()
        yield app


@pytest.fixture(scope="module")
def world(world_app) -> World:
    return world_app.extensions["fuzz_world"]


# --- JSON values ------------------------------------------------------------------------------------------------

#: lone surrogates included (JSON's \ud800 escapes make them), and often
ANY_TEXT = st.text(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=40)
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(),
    st.sampled_from([0, -1, 1, 5, 2**31, 2**53 + 1, 2**63, -(2**63) - 1, 2**64, 10**30, 10**300, -(10**400)]),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([-0.0, 1e-320, 1.7976931348623157e308, 0.5]),
    ANY_TEXT, st.sampled_from(NASTY), st.sampled_from(["好" * 5000, "好" * 5001, "a" * 100_000, " " * 6000]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12)

CLEAN_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
CLEAN_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                          | CLEAN_TEXT, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(CLEAN_TEXT, inner,
                                                                                                 max_size=3),
                          max_leaves=6)

#: what JSON has no business holding, put in place of a value: Python's parser takes NaN and Infinity
RAW = "\u0000RAW\u0000"
RAW_TOKENS = ("NaN", "-NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1" * 5000, "1e-999", "1.5e400",
              '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', "[" * 40 + "]" * 40, '{"a":' * 40 + "1" + "}" * 40,
              "0" * 50 + "1", "-", "tru", '"\\x41"', "01")
CONTENT_TYPES = ("application/json", "application/json", "application/json; charset=utf-8",
                 "application/json; charset=latin-1", "application/problem+json", "text/plain",
                 "application/x-www-form-urlencoded", None)


VALID_TEXTS = st.one_of(
    st.sampled_from([REPLY, "您好，请问有什么可以帮您？", "非常抱歉，我马上为您处理。", "好" * 5000, "喂？",
                     "對不起，請稍等，我馬上幫您查詢。", "您好\u202e，请稍等。"]),
    st.text(st.sampled_from(list("您好请问抱歉稍等马上处理谢谢师傅上门，。！？ 0123456789ＡＢ對不起點")),
            min_size=1, max_size=200),
)
#: what goes in place of a field's value: any JSON, a raw token (NaN, 1e999, …), text no database can store
WRONG = st.one_of(JSON_VALUES, st.just(RAW), st.sampled_from(["", "   ", "好" * 5001, "您好\ud800", "\udfff", "\x00"]))


@st.composite
def body_bytes(draw, valid: st.SearchStrategy[dict]) -> tuple[bytes, str | None]:
    """(the request body, its content type): mostly a valid body with a field or two wrong or missing."""
    how = draw(st.sampled_from(["shaped"] * 6 + ["any", "nested", "raw", "bytes"]), label="how")
    if how == "bytes":
        raw = draw(st.one_of(st.binary(max_size=200), st.sampled_from(
            [b"", b"null", b"[]", b"{}", b"\xef\xbb\xbf{}", b'{"text": "\xff"}', b"\xff\xfe{\x00}\x00",
             '{"text": "好"}'.encode("gbk"), b'{"a": 1} trailing', b"{" * 100_000])))
        return raw, draw(st.sampled_from(CONTENT_TYPES))
    if how == "raw":
        return draw(st.sampled_from(RAW_TOKENS)).encode(), "application/json"
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    if how == "shaped":
        content_type = draw(st.sampled_from(["application/json"] * 4 + list(CONTENT_TYPES)), label="content type")
        body = draw(st.dictionaries(CLEAN_TEXT, CLEAN_JSON, max_size=2), label="extra keys")
        for name, value in draw(valid, label="valid body").items():
            fate = draw(st.sampled_from(["keep"] * 4 + ["wrong", "missing"]), label=name)
            if fate == "keep":
                body[name] = value
            elif fate == "wrong":
                body[name] = draw(WRONG, label=f"wrong {name}")
    else:
        body = draw(JSON_VALUES, label="any")
    if how == "nested":
        for _ in range(draw(st.integers(30, 40))):
            body = draw(st.sampled_from([[body], {"text": body}]))
    text = json.dumps(body, ensure_ascii=draw(st.booleans()))
    text = text.replace(json.dumps(RAW), draw(st.sampled_from(RAW_TOKENS)))
    return text.encode("utf-8", "surrogatepass"), content_type


BAD_IDS = st.sampled_from(["0", "999999", str(2**31), str(2**63 - 1), str(2**63), str(2**64), "9" * 40, "-1", "abc",
                           "1.5", "%00", "1%0A"])


# --- JSON API ---------------------------------------------------------------------------------------------------

#: endpoint -> the statuses README.md documents for it (with a valid token of a role the endpoint allows)
DOCUMENTED = {
    "score": {200, 400, 413},
    "practice": {200, 400, 404, 413},
    "roleplay_start": {201, 400, 404},
    "roleplay_turn": {200, 400, 403, 404, 409, 413},
    "review_grade": {201, 400, 403, 404, 409},
}
SUCCESS_KEYS = {
    "score": {"id", "score", "passed", "critical", "script", "banned", "required", "missing", "rules_version"},
    "practice": {"grade", "passed", "parts", "flags", "key_points", "report", "recorded", "attempt"},
    "roleplay_start": {"session", "customer", "emotion", "stage"},
    "roleplay_turn": {"report", "turn_score", "customer", "turns", "emotion", "stage", "finished", "outcome"},
    "review_grade": {"grade", "evidence"},
}


def check_api_answer(endpoint: str, response, request_repr: str, *, also: frozenset[int] = frozenset()) -> None:
    status = response.status_code
    where = f"{endpoint} {request_repr} -> {status}"
    assert status in DOCUMENTED[endpoint] | also, f"{where}: {response.get_data(as_text=True)[:500]}"
    assert response.is_json, f"{where}: not JSON ({response.mimetype})"
    body = response.get_json()
    assert isinstance(body, dict), where
    text = response.get_data(as_text=True)
    assert "Traceback" not in text, where
    if status >= 400:
        assert body.get("status") == status, f"{where}: {body}"
        assert isinstance(body.get("error"), str) and body["error"].strip(), f"{where}: {body}"
    else:
        assert SUCCESS_KEYS[endpoint] <= set(body), f"{where}: {sorted(body)}"
    response.request.environ["wsgi.input"].close()  # the body, a temporary file when large (see _send)


def _post(client, url: str, token: str, payload: tuple[bytes, str | None]):
    data, content_type = payload
    headers = {"Authorization": f"Bearer {token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.post(url, data=data, headers=headers)


def _shown(url: str, payload) -> str:
    data, content_type = payload
    return f"POST {url} [{content_type}] {data[:300]!r}{'…' if len(data) > 300 else ''}"


def assert_reached(statuses: list[int], endpoint: str) -> None:
    """The fuzz got past the parsing to the view's work (a success) and to its refusals."""
    assert any(200 <= s < 300 for s in statuses), f"{endpoint}: no example succeeded: {sorted(set(statuses))}"
    assert any(400 <= s < 500 for s in statuses), f"{endpoint}: no example was refused"


def test_api_score_bodies(world_app, world):
    client = world_app.test_client()
    valid = st.fixed_dictionaries({"text": VALID_TEXTS}, optional={
        "id": JSON_VALUES, "script": st.sampled_from(["any", "complaint", "closing", "phone_opening", None])})
    statuses: list[int] = []

    @fuzz(100)
    @given(payload=body_bytes(valid), role=st.sampled_from(["trainee_a", "hr", "admin", "supervisor_1"]))
    def run(payload, role):
        response = _post(client, "/api/v1/score", world.tokens[role], payload)
        statuses.append(response.status_code)
        check_api_answer("score", response, _shown("/api/v1/score", payload))

    run()
    assert_reached(statuses, "score")


def test_api_practice_bodies(world_app, world):
    client = world_app.test_client()
    valid = st.sampled_from(world.practice_blocks).flatmap(lambda block: st.fixed_dictionaries(
        {"course": st.just(block[0]), "block": st.just(block[1]), "text": VALID_TEXTS}))
    statuses: list[int] = []

    @fuzz(90)
    @given(payload=body_bytes(valid), role=st.sampled_from(["trainee_a", "trainee_b"]))
    def run(payload, role):
        response = _post(client, "/api/v1/practice", world.tokens[role], payload)
        statuses.append(response.status_code)
        check_api_answer("practice", response, _shown("/api/v1/practice", payload))

    run()
    assert_reached(statuses, "practice")


def test_api_roleplay_start_bodies(world_app, world):
    client = world_app.test_client()
    scenarios = st.sampled_from([*world.scenario_ids, "nope", world.scenario_ids[0].upper()])
    valid = st.fixed_dictionaries({"scenario": scenarios})
    statuses: list[int] = []

    @fuzz(60)
    @given(payload=body_bytes(valid))
    def run(payload):
        response = _post(client, "/api/v1/roleplay/sessions", world.tokens["trainee_b"], payload)
        statuses.append(response.status_code)
        check_api_answer("roleplay_start", response, _shown("/api/v1/roleplay/sessions", payload))

    run()
    assert_reached(statuses, "roleplay_start")


def test_api_roleplay_turn_bodies(world_app, world):
    from trainer.extensions import db
    from trainer.roleplay import services as roleplay
    from trainer.roleplay.models import RoleplaySession

    client = world_app.test_client()
    trainee = world.users["trainee_a"]
    statuses: list[int] = []

    @fuzz(100)
    @given(whose=st.sampled_from(["own"] * 4 + ["other", "bad"]), data=st.data())
    def run(whose, data):
        session = db.session.get(RoleplaySession, world.own_session)
        if session.status != "in_progress":  # a played-out session answers 409 to everything: start another
            session = roleplay.start(trainee, session.scenario_id)
            world.own_session = session.id
        after = st.one_of(st.just(session.turns_taken), st.integers(-2, 12), JSON_SCALARS)
        valid = st.fixed_dictionaries({"text": VALID_TEXTS}, optional={"after": after})
        payload = data.draw(body_bytes(valid), label="body")
        ident = {"own": world.own_session, "other": world.other_session}.get(whose) or data.draw(BAD_IDS)
        url = f"/api/v1/roleplay/sessions/{ident}/turns"
        response = _post(client, url, world.tokens["trainee_a"], payload)
        statuses.append(response.status_code)
        check_api_answer("roleplay_turn", response, _shown(url, payload))

    run()
    assert_reached(statuses, "roleplay_turn")


def test_api_review_grade_bodies(world_app, world):
    client = world_app.test_client()
    shown = client.get(f"/api/v1/review/items/{world.items['own']}",
                       headers={"Authorization": f"Bearer {world.tokens['supervisor_1']}"}).get_json()
    hits, turns = [h["n"] for h in shown["hits"]] or [1], [str(t["position"]) for t in shown["turns"]] or ["0"]
    indicators = shown["indicators"]
    valid = st.fixed_dictionaries({
        "ratings": st.dictionaries(st.sampled_from(indicators), st.one_of(st.integers(1, 5), st.none()), max_size=4),
        "comment": st.one_of(st.just(""), VALID_TEXTS.map(lambda t: t[:2000])),
        "override": st.one_of(st.none(), st.fixed_dictionaries(
            {"score": st.floats(0, 100), "reason": st.sampled_from(["答非所问", "漏了要点"])})),
        "verdicts": st.lists(st.fixed_dictionaries(
            {"hit": st.sampled_from(hits), "verdict": st.sampled_from(["correct", "wrong"])},
            optional={"note": st.sampled_from(["", "其实说了"])}), max_size=2, unique_by=lambda v: v["hit"]),
        "turn_comments": st.dictionaries(st.sampled_from(turns), st.sampled_from(["好", "再耐心些"]), max_size=2),
    })
    statuses: list[int] = []

    @fuzz(100)
    @given(payload=body_bytes(valid), which=st.sampled_from(["own", "own", "graded", "other_team", "bad"]),
           role=st.sampled_from(["supervisor_1", "hr"]), data=st.data())
    def run(payload, which, role, data):
        ident = world.items.get(which) or data.draw(BAD_IDS)
        url = f"/api/v1/review/items/{ident}/grade"
        response = _post(client, url, world.tokens[role], payload)
        statuses.append(response.status_code)
        check_api_answer("review_grade", response, _shown(url, payload))

    run()
    assert_reached(statuses, "review_grade")


def test_json_bodies_of_the_pages(world_app, world):
    """The pages' own JSON endpoints (exam autosave, lesson heartbeat, drill turns): session and X-CSRFToken."""
    from trainer.assessment.models import ExamAttempt
    from trainer.extensions import db

    attempt = db.session.get(ExamAttempt, world.ids["attempt_id"])
    question_ids = [str(q) for q in attempt.question_ids]
    trainee, supervisor = _signed_in(world_app, "trainee-a"), _signed_in(world_app, "supervisor-1")
    slug, drill = world.ids["slug"], world.ids["drill_id"]
    after = st.one_of(st.integers(-1, 9), JSON_SCALARS)
    answers = st.dictionaries(st.one_of(st.sampled_from(question_ids), ANY_TEXT),
                              st.one_of(st.integers(-1, 6), VALID_TEXTS, st.booleans(), JSON_VALUES,
                                        st.lists(st.integers(-1, 6), max_size=4)), max_size=4)
    seconds = st.one_of(st.integers(-100, 10**6), JSON_SCALARS)
    turn = st.fixed_dictionaries({"text": VALID_TEXTS}, optional={"after": after})
    targets = [
        (trainee, f"/exams/attempts/{world.ids['attempt_id']}/save", st.fixed_dictionaries({"answers": answers})),
        (trainee, f"/courses/{slug}/learn/1/time", st.fixed_dictionaries({"seconds": seconds})),
        (trainee, f"/courses/{slug}/learn/0/time", st.fixed_dictionaries({"seconds": seconds})),
        (trainee, f"/review/drills/{drill}/reply", turn),
        (supervisor, f"/review/drills/{drill}/say", turn),
    ]

    @fuzz(150)
    @given(target=st.sampled_from(range(len(targets))), data=st.data())
    def run(target, data):
        (client, token), url, fields = targets[target]
        payload, _ = data.draw(body_bytes(fields), label="body")
        response = client.post(url, data=payload, headers={"X-CSRFToken": token, "Content-Type": "application/json"})
        where = f"POST {url} {payload[:200]!r} -> {response.status_code}"
        assert response.status_code < 500, where
        assert response.status_code != 400 or CSRF_REFUSED not in response.get_data(as_text=True), where
        assert "Traceback" not in response.get_data(as_text=True), where

    run()


def test_api_bodies_past_the_upload_cap_are_413_json(world_app, world):
    """Any request body past MAX_CONTENT_LENGTH is refused (413) before a view reads it, as JSON on the API."""
    client = world_app.test_client()
    big = (b'{"text": "' + b"a" * (world_app.config["MAX_CONTENT_LENGTH"] + 10) + b'"}', "application/json")
    for endpoint, url in [("score", "/api/v1/score"), ("practice", "/api/v1/practice"),
                          ("roleplay_start", "/api/v1/roleplay/sessions"),
                          ("roleplay_turn", f"/api/v1/roleplay/sessions/{world.own_session}/turns")]:
        response = _post(client, url, world.tokens["trainee_a"], big)
        assert response.status_code == 413, (url, response.status_code)
        check_api_answer(endpoint, response, url, also=frozenset({413}))


def _enrolled_block(world: World) -> str:
    return next(block for slug, block in world.practice_blocks if slug == world.ids["slug"])


#: (what, endpoint, actor, URL, raw body, status): inputs that gave a 500 before their fix
FOUND_API = [
    ("a practice block that is a list (unhashable in a dict lookup)", "practice", "trainee_a", "/api/v1/practice",
     lambda w: json.dumps({"course": w.ids["slug"], "block": [], "text": REPLY}), 404),
    ("a lone surrogate in a reply that is stored (UTF-8 cannot encode it)", "practice", "trainee_a", "/api/v1/practice",
     lambda w: json.dumps({"course": w.ids["slug"], "block": _enrolled_block(w), "text": "您好\ud800"}), 400),
    ("NUL in a reply that is stored (PostgreSQL refuses it)", "practice", "trainee_a", "/api/v1/practice",
     lambda w: json.dumps({"course": w.ids["slug"], "block": _enrolled_block(w), "text": "您好\u0000"}), 400),
    ("NaN echoed back as invalid JSON", "score", "trainee_a", "/api/v1/score",
     lambda w: '{"id": NaN, "text": "您好"}', 400),
    ("1e999 (infinity) echoed back as invalid JSON", "score", "trainee_a", "/api/v1/score",
     lambda w: '{"id": 1e999, "text": "您好"}', 400),
    ("an override score of 401 digits (float() overflows)", "review_grade", "supervisor_1", None,
     lambda w: json.dumps({"override": {"score": 10**400, "reason": "改分"}}), 400),
    ("a turn comment numbered ² (isdigit, but int() refuses it)", "review_grade", "supervisor_1", None,
     lambda w: json.dumps({"turn_comments": {"²": "好"}}), 400),
    ("a session id past PostgreSQL's INTEGER", "roleplay_turn", "trainee_a", f"/api/v1/roleplay/sessions/{2**31}/turns",
     lambda w: json.dumps({"text": REPLY}), 404),
]


@pytest.mark.parametrize("case", FOUND_API, ids=[c[0] for c in FOUND_API])
def test_what_the_fuzz_found_in_the_api(world_app, world, case):
    _, endpoint, actor, url, body, status = case
    url = url or f"/api/v1/review/items/{world.items['own']}/grade"
    response = _post(world_app.test_client(), url, world.tokens[actor], (body(world).encode(), "application/json"))
    assert response.status_code == status, response.get_data(as_text=True)
    check_api_answer(endpoint, response, url)


def test_what_the_fuzz_found_in_the_forms(world_app, world):
    """Forms that gave a 500: a multipart part with no readable name (FieldList), a 401-digit integer
    (NumberRange's float()), sNaN for a decimal (NumberRange's isnan), NUL in stored text (PostgreSQL)."""
    from sqlalchemy import func

    from trainer.extensions import db
    from trainer.practice.models import PracticeAttempt

    client, token = _signed_in(world_app, "supervisor-1")
    paper = {"title": "卷", "mode": "fixed", "question_ids": "nope", "time_limit": "30", "max_attempts": "1",
             "pass_mark": "60", "team_id": str(world.ids["team_id"])}
    for data, status in [({**paper, "\r": ""}, 400), ({**paper, "time_limit": "1" + "0" * 400}, 400)]:
        response = _send(client, "/exams/manage/new", data, token)
        assert response.status_code == status, (list(data), response.status_code)
    response = _send(client, f"/review/evidence/{world.ids['evidence_id']}/correct",
                     {"value": "sNaN", "reason": "复核"}, token)
    assert response.status_code == 400
    assert client.get(f"/competency/agents/{2**31}").status_code == 404  # past PostgreSQL's INTEGER
    trainee, token = _signed_in(world_app, "trainee-a")
    assert trainee.get(f"/courses/{world.ids['slug']}\x00x").status_code == 404
    response = _send(trainee, "/practice/", {"script": "complaint", "text": "您好\x00，请问有什么可以帮您？"}, token)
    assert response.status_code == 302
    latest = db.session.scalar(select(func.max(PracticeAttempt.id)))
    assert db.session.get(PracticeAttempt, latest).text.startswith("您好，请问")


# --- forms -------------------------------------------------------------------------------------------------------


@dataclass
class FormFields:
    values: dict[str, set[str]] = field(default_factory=dict)  # name -> values the page offers
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type, "textarea" or "select"
    files: set[str] = field(default_factory=set)


class _Forms(HTMLParser):
    """The forms of a page: action path -> fields (inputs, selects with their options, textareas, buttons)."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: dict[str, FormFields] = {}
        self._current: FormFields | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "form":
            action = urlsplit(attr.get("action") or self.page_path).path or self.page_path
            self._current = self.forms.setdefault(action, FormFields())
            return
        if self._current is None:
            return
        name = attr.get("name")
        if tag in ("input", "button", "textarea") and name:
            if attr.get("type") == "file":
                self._current.files.add(name)
            else:
                self._current.values.setdefault(name, set()).add(attr.get("value") or "")
                self._current.kinds.setdefault(name, "textarea" if tag == "textarea" else attr.get("type") or "text")
        elif tag == "select" and name:
            self._select = name
            self._current.values.setdefault(name, set())
            self._current.kinds[name] = "select"
        elif tag == "option" and self._select:
            self._current.values[self._select].add(attr.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


VARIABLE = re.compile(r"<(?:[^<>]*:)?(\w+)>")
#: POSTs that end or change the signed-in session: each runs as a user of its own, signed in again when needed
SELF_SERVICE = ("accounts.logout", "accounts.end_other_sessions", "accounts.account", "accounts.regenerate_token",
                "accounts.revoke_token")
#: these change what every later POST sees (a new link voids the old /delphi/<token>; an ended survey refuses
#: everything): they run last
RUN_LAST = ("competency.regenerate_link", "competency.end_survey", "accounts.logout")
#: the actor each role is played by (trainee A owns the world's records, supervisor 1 leads A's team)
ACTORS = {"trainee": "trainee_a", "supervisor": "supervisor_1", "hr": "hr", "admin": "admin"}
PREFERENCE = ("trainee", "supervisor", "hr", "admin")
#: where the only role that may act differs from the first one allowed
ROLE_FOR = {"requests.detail": ("hr",), "requests.index": ("supervisor",)}
CSRF_REFUSED = msg("error.csrf")

FORM_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
FORM_VALUES = st.one_of(
    FORM_TEXT, st.sampled_from(NASTY),
    st.sampled_from(["0", "-1", "1", "5", "100", "101", "2147483648", "9223372036854775807", "9223372036854775808",
                     "18446744073709551616", "9" * 40, "1" + "0" * 400, "1e999", "-1e999", "NaN", "sNaN", "-Infinity",
                     "inf", "1.5", "１２", "²", "on", "off",
                     "y", "true", "2024-02-30", "9999-12-31", "0001-01-01", "2024-13-01", "2024-01-01T25:61",
                     "12:30", "25:00", "", " ", REPLY, "好" * 5001, "好" * 20_000]),
    st.sampled_from(["a: 2024-13-45", "x: " + "9" * 5000, "[" * 1000, "- &a [*a]", "::q:: 题 {=a ~b}",
                     "a: !!timestamp x", "scripts: [[]]"]),
)
BIG_VALUE = "长" * 400_000  # over MAX_FORM_MEMORY_SIZE once encoded


@st.composite
def upload(draw) -> tuple[io.BytesIO, str]:
    text = draw(gift_file())
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gbk", "utf-16", "bytes"]))
    raw = draw(st.binary(max_size=300)) if encoding == "bytes" else text.encode(encoding, "replace")
    name = draw(st.sampled_from(["q.gift", "q.txt", "q.GIFT", "q.exe", "", "../../q.gift", "题库.gift",
                                 "q" * 300 + ".gift"]))
    return io.BytesIO(raw), name


#: a value a person could type into an input of each type (what the page offers comes first)
PLAUSIBLE = {
    "number": st.integers(0, 12).map(str),
    "date": st.sampled_from([(date.today() + timedelta(days=d)).isoformat() for d in (-30, 0, 10, 400)]),
    "datetime-local": st.sampled_from(["2030-06-01T10:00", (date.today() + timedelta(days=1)).isoformat() + "T09:30"]),
    "time": st.just("10:00"), "email": st.just("a@example.com"), "password": st.just("Another-pass-77"),
    "text": st.sampled_from(["测试", "complaint", "3", REPLY, "新的名字", "fuzz-user"]),
}
PLAUSIBLE["textarea"] = PLAUSIBLE["text"]
PLAUSIBLE["search"] = PLAUSIBLE["text"]


def _plausible(fields: FormFields, name: str) -> st.SearchStrategy[str]:
    offered = sorted(fields.values.get(name, set()) - {""})
    kind = fields.kinds.get(name, "text")
    if offered and kind in ("select", "radio", "checkbox", "hidden", "submit", "button"):
        return st.sampled_from(offered)
    return st.one_of(st.sampled_from(offered), PLAUSIBLE[kind]) if offered and kind in PLAUSIBLE else \
        PLAUSIBLE.get(kind, st.sampled_from(offered or [""]))


@st.composite
def form_data(draw, fields: FormFields) -> dict[str, object]:
    """Mostly a form a person could send with one or two fields gone wrong; sometimes every field at random."""
    data: dict[str, object] = {}
    chaos = draw(st.sampled_from([False, False, True]), label="chaos")
    for name in sorted(fields.values):
        if name == "csrf_token":
            continue
        fates = ["plausible"] * (2 if chaos else 12) + ["random", "missing", "several"]
        how = draw(st.sampled_from(fates), label=f"{name}?")
        if how == "plausible":
            data[name] = draw(_plausible(fields, name), label=name)
        elif how == "random":
            data[name] = draw(FORM_VALUES, label=name)
        elif how == "several":
            data[name] = draw(st.lists(st.one_of(_plausible(fields, name), FORM_VALUES), min_size=2, max_size=4),
                              label=name)
    for name in sorted(fields.files):
        if draw(st.integers(0, 5), label=f"{name} file?"):
            data[name] = draw(upload(), label=name)
    extra = draw(st.dictionaries(FORM_TEXT.filter(lambda k: k != "csrf_token"), FORM_VALUES,
                                 max_size=3 if chaos else 1), label="extra")
    for key, value in extra.items():
        data.setdefault(key, value)
    if draw(st.integers(0, 30), label="huge?") == 30:
        data[draw(st.sampled_from(sorted(fields.values) or ["x"]))] = BIG_VALUE
    return data


def _signed_in(app, username: str):
    client = app.test_client()
    response = login(client, username)
    assert response.status_code == 302, f"{username} could not sign in: {response.status_code}"
    return client, csrf_from(client, "/account")


def _form_fields(app, client, rule_url: str, get_urls: set[str]) -> FormFields:
    """The fields of every form posting to `rule_url`, read from the URL itself and the pages above it."""
    merged = FormFields()
    parts = rule_url.rstrip("/").split("/")
    pages = ["/".join(parts[:n]) or "/" for n in range(len(parts), 0, -1)]
    for page in [p for p in pages if p in get_urls or p + "/" in get_urls][:3]:
        page = page if page in get_urls else page + "/"
        response = client.get(page)
        if response.status_code != 200 or not response.mimetype.startswith("text/html"):
            continue
        parser = _Forms(page)
        parser.feed(response.get_data(as_text=True))
        found = parser.forms.get(rule_url) or parser.forms.get(rule_url.rstrip("/") + "/")
        if found:
            for name, values in found.values.items():
                merged.values.setdefault(name, set()).update(values)
            merged.kinds = {**found.kinds, **merged.kinds}
            merged.files |= found.files
    return merged


def _roles(app, endpoint: str) -> tuple[str, ...] | None:
    allowed = app.view_functions[endpoint].allowed_roles
    if allowed is PUBLIC:
        return None
    return ROLE_FOR.get(endpoint) or tuple(r for r in PREFERENCE if r in allowed)


def _urls(app, world: World) -> tuple[list[tuple[str, str]], set[str]]:
    """(endpoint, URL) of every page POST rule, with the world's ids; and the URL of every GET rule."""
    posts, gets = [], set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint == "static":
            continue
        values = {**world.ids, **world.overrides.get(rule.endpoint, {})}
        names = VARIABLE.findall(rule.rule)
        if any(n not in values for n in names):
            if "POST" in rule.methods:
                pytest.fail(f"{rule.rule}: the fuzz world has no record for {names}; add one to _build_world")
            continue
        url = VARIABLE.sub(lambda m, v=values: str(v[m.group(1)]), rule.rule)
        if "GET" in rule.methods:
            gets.add(url)
        if "POST" in rule.methods:
            posts.append((rule.endpoint, url))
    posts.sort(key=lambda p: (RUN_LAST.index(p[0]) + 1 if p[0] in RUN_LAST else 0, p[1]))
    return posts, gets


def _send(client, url: str, data: dict[str, object], token: str):
    payload = {}
    for key, value in data.items():
        if isinstance(value, tuple):  # a file: a fresh stream each time it is sent
            stream, name = value
            payload[key] = (io.BytesIO(stream.getvalue()), name)
        else:
            payload[key] = value
    payload["csrf_token"] = token
    response = client.post(url, data=payload, content_type="multipart/form-data")
    # Werkzeug's test client closes the body it built (a temporary file past 500 KB) only when following redirects
    response.request.environ["wsgi.input"].close()
    return response


def _short(data: dict[str, object]) -> dict[str, object]:
    return {k: (f"{v[:40]}…({len(v)})" if isinstance(v, str) and len(v) > 80 else v) for k, v in data.items()}


def _describe(failure: BaseException) -> str:
    """Each failure Hypothesis found: where it was raised, the exception and the falsifying example (its notes)."""
    found = failure.exceptions if isinstance(failure, BaseExceptionGroup) else (failure,)
    lines = []
    for exc in found:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        lines.append(f"  at {frame.filename}:{frame.lineno}: {text[:2500]}")
    return "\n".join(lines)


def _fuzz_route(app, clients: dict, endpoint: str, url: str, actors: tuple[str, ...], fields: FormFields) -> int:
    """POST hypothesis-made form data to one URL; returns the number of requests sent."""
    sent = []

    @fuzz(10)
    @given(actor=st.sampled_from(actors), data=form_data(fields))
    def run(actor, data):
        client, token = clients[actor]
        if endpoint in SELF_SERVICE and client.get("/account").status_code != 200:
            clients[actor] = client, token = _signed_in(app, f"fuzz-{endpoint.split('.')[-1]}")
        response = _send(client, url, data, token)
        status, text = response.status_code, response.get_data(as_text=True)
        sent.append(status)
        assert status < 500, f"POST {url} as {actor}: {status} for {_short(data)}"
        assert not (status == 400 and CSRF_REFUSED in text), f"POST {url} as {actor}: the CSRF token was refused"
        assert "Traceback" not in text
        location = urlsplit(response.headers.get("Location", ""))
        if endpoint not in ("accounts.logout", "accounts.end_other_sessions") and actor != "anonymous":
            assert not (location.path == "/login" and "next=" in location.query), \
                f"POST {url} as {actor} signed the user out: {_short(data)}"

    run()
    return len(sent)


def test_every_form_refuses_bad_input_without_a_server_error(world_app, world):
    """Every page POST rule, 10 examples each; the failures of all routes are collected and reported together."""
    from trainer.accounts import services as accounts

    posts, gets = _urls(world_app, world)
    assert len(posts) > 50, posts
    only = os.environ.get("FUZZ_FORMS_ONLY")  # e.g. FUZZ_FORMS_ONLY=assessment.new_paper, to look at one route
    if only:
        posts = [(e, u) for e, u in posts if e in only.split(",")]
    clients = {actor: _signed_in(world_app, world.users[actor].username) for actor in ACTORS.values()}
    anonymous = world_app.test_client()
    clients["anonymous"] = (anonymous, csrf_from(anonymous, "/login"))
    failures: list[str] = []
    sent = 0
    for endpoint, url in posts:
        roles = _roles(world_app, endpoint)
        if endpoint in SELF_SERVICE:  # a user of its own, so signing out or a new token touches no one else
            own = accounts.create_user(username=f"fuzz-{endpoint.split('.')[-1]}", password=PASSWORD, role="trainee")
            clients[endpoint] = _signed_in(world_app, own.username)
            actors: tuple[str, ...] = (endpoint,)
        else:
            actors = ("anonymous",) if roles is None else tuple(ACTORS[r] for r in roles)
        fields = _form_fields(world_app, clients[actors[0]][0], url, gets)
        try:
            sent += _fuzz_route(world_app, clients, endpoint, url, actors, fields)
        except Exception as failure:  # every route is fuzzed; all failures are reported at the end
            failures.append(f"{endpoint} ({url}):\n{_describe(failure)}")
    assert not failures, f"{len(failures)} of {len(posts)} form routes failed:\n" + "\n\n".join(failures)
    assert sent >= 8 * len(posts)
