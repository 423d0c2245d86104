"""Every route × every kind of user, generated from `app.url_map`: who gets an answer is declared, and checked.

One world is built for the module through the real services: two teams, each with a supervisor and two
trainees, HR and an admin, and a record of every kind a URL can name, owned by trainee A of team 1 (or, for
staff records, made by team 1's supervisor). Then every rule in `app.url_map` is requested with every method
it accepts (GET; any other method with a valid CSRF token and an empty body) by every actor, with the world's
real ids in the URL, and the class of the answer is compared with the declaration:

- the roles the view declares with `allow(...)` / `public` (trainer/access.py stores them on the view
  function as `allowed_roles`), narrowed by
- SCOPE below: for each endpoint, which actors the records in its URL belong to (A's records: A, A's
  supervisor and HR; never another trainee, another team's supervisor or the admin).

Allowed is 2xx, 3xx (not to the sign-in page) and, for an empty POST, 400 or 409; refused is 403, 404 or 405;
an anonymous request is sent to /login?next=… (pages) or answered 401 (the API). Anything else — a 500 above
all, or a CSRF refusal — is a mismatch for every actor. A redirect is followed as a browser would (any of a
GET, a 307/308 of a POST), so an old address that forwards to a checked page is judged by that page. Besides,
no answer to trainee B, supervisor 2, the admin or anyone signed out may contain A's name or a word of A's
records (NEVER_SHOWN). All mismatches are collected and reported at once.

The API is requested the same way with a Bearer token per actor; pages with only a token, and the API with
only a session cookie, must treat the request as anonymous. A route without an entry in SCOPE, or with a URL
variable the world has no record for, fails the suite.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from tests.conftest import (
    PASSWORD,
    csrf_from,
    login,
    module_app,
)
from trainer.access import PUBLIC
from trainer.config import api_rate_limits
from trainer.messages import msg

# --- the actors --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    key: str
    role: str | None  # None: not signed in


ANONYMOUS = Actor("anonymous", None)
SIGNED_IN = (
    Actor("trainee_a", "trainee"),  # team 1; owns the world's records
    Actor("trainee_b", "trainee"),  # team 1, another person
    Actor("supervisor_1", "supervisor"),  # leads team 1
    Actor("supervisor_2", "supervisor"),  # leads team 2
    Actor("hr", "hr"),
    Actor("admin", "admin"),
)
#: pages ignore API tokens: a request with only HR's Bearer token is anonymous there
TOKEN_ONLY = Actor("hr_token_without_cookie", None)
#: the API ignores session cookies: trainee A signed in by cookie, without a token, is anonymous there
COOKIE_ONLY = Actor("trainee_a_cookie_without_token", None)

#: trainee A's name, and a word written into every record of A's and of team 1's staff (comments, notes, titles)
A_NAME = "甲学员"
MARK = "〔甲的记录〕"
#: what each actor must never read on a page or in an answer they get: another trainee, another team's
#: supervisor and anyone not signed in nothing of A's; the admin manages A's account (so may read the name)
#: but not A's work
NEVER_SHOWN = {
    "trainee_b": (A_NAME, MARK),
    "supervisor_2": (A_NAME, MARK),
    "admin": (MARK,),
    ANONYMOUS.key: (A_NAME, MARK),
    TOKEN_ONLY.key: (A_NAME, MARK),
    COOKIE_ONLY.key: (A_NAME, MARK),
}

# --- the declaration: whose records each endpoint shows -----------------------------------------------

#: no record of a person in the URL (or only a course, scenario or paper open to all): the roles decide alone
ANY = None
#: trainee A's records: A, the supervisor of A's team and HR (never trainee B, supervisor 2 or the admin)
A_RECORDS = frozenset({"trainee_a", "supervisor_1", "hr"})
#: records of team 1's staff (an exam paper, a training request, a calibration session, a survey's invited
#: experts): supervisor 1, who made them or was invited, and HR; not supervisor 2
TEAM_1_STAFF = frozenset({"supervisor_1", "hr"})

#: endpoint -> scope, or {method: scope} where the methods differ. The actors allowed are those whose role
#: the view's allow(...) names AND (scope ANY or the actor in the scope).
SCOPE: dict[str, frozenset[str] | dict[str, frozenset[str] | None] | None] = {
    # sign-in, the account, home pages, health
    "static": ANY,
    "accounts.login": ANY,
    "accounts.logout": ANY,
    "accounts.index": ANY,
    "accounts.account": ANY,
    "accounts.end_other_sessions": ANY,
    "accounts.regenerate_token": ANY,
    "accounts.revoke_token": ANY,
    "home.healthz": ANY,
    "home.trainee": ANY,
    "home.admin": ANY,
    # administration (admin only; user_id and team_id are managed, not viewed)
    "admin.users": ANY,
    "admin.new_user": ANY,
    "admin.edit_user": ANY,
    "admin.reset_password": ANY,
    "admin.teams": ANY,
    "admin.edit_team": ANY,
    "admin.security": ANY,
    "admin.audit_log": ANY,
    "admin.audit_csv": ANY,
    "assessment.question_bank": ANY,
    "assessment.export_bank": ANY,
    "assessment.xlsx_template": ANY,
    "assessment.export_bank_xlsx": ANY,
    "rules.tester": ANY,
    # the JSON API
    "api.me": ANY,
    "api.score": ANY,
    "api.course_practice": ANY,
    "api.agent_profile": A_RECORDS,
    "api.agent_history": A_RECORDS,
    "api.hr_promotions": ANY,
    "api.review_queue": ANY,
    "api.review_item": A_RECORDS,
    "api.review_grade": A_RECORDS,
    "api.roleplay_start": ANY,
    "api.roleplay_session": A_RECORDS,
    "api.roleplay_turn": A_RECORDS,
    # competency: profiles, the model, weights, promotions
    "competency.my_profile": ANY,
    "competency.profile": A_RECORDS,
    "competency.export_profile": A_RECORDS,
    "competency.correct": A_RECORDS,  # 308 to review.correct_evidence
    "competency.model": ANY,
    "competency.new_weight_set": ANY,
    "competency.promotions_page": ANY,
    "competency.my_promotion": ANY,
    "competency.agent_promotion": A_RECORDS,
    "competency.confirm_promotion": A_RECORDS,
    "competency.decline_promotion": A_RECORDS,
    # Delphi surveys: HR's pages; the rating page for invited experts only; the outside expert's link
    "competency.surveys_page": ANY,
    "competency.survey_page": ANY,
    "competency.add_platform_expert": ANY,
    "competency.add_outside_expert": ANY,
    "competency.regenerate_link": ANY,
    "competency.open_round": ANY,
    "competency.close_round": ANY,
    "competency.end_survey": ANY,
    "competency.apply_weights": ANY,
    "competency.survey_round": ANY,
    "competency.survey_round_export": ANY,
    "competency.survey_round_csv_moved": ANY,
    "competency.survey_rate": TEAM_1_STAFF,
    "delphi.rate": ANY,
    # HR and team dashboards, KPIs
    "dashboards.hr": ANY,
    "dashboards.compare": ANY,
    "dashboards.export_overview": ANY,
    "dashboards.team": ANY,
    "dashboards.team_detail": TEAM_1_STAFF,
    "dashboards.export_team": TEAM_1_STAFF,
    "kpi.report": ANY,
    "kpi.export": ANY,
    # courses (the slug names a course; each trainee sees their own enrolment) and training requests
    "learning.catalogue": ANY,
    "learning.course": ANY,
    "learning.enrol": ANY,
    "learning.learn": ANY,
    "learning.segment": ANY,
    "learning.time_spent": ANY,
    "learning.quiz": ANY,
    "learning.quiz_result": ANY,
    "learning.feedback": ANY,
    "learning.manage": ANY,
    "learning.roster": ANY,
    # supervisors file requests, HR decides them
    "requests.index": {"GET": ANY, "POST": frozenset({"supervisor_1", "supervisor_2"})},
    "requests.detail": {"GET": TEAM_1_STAFF, "POST": frozenset({"hr"})},
    # practice, exams, recall, weekly question, typing
    "practice.practice": ANY,
    "practice.result": A_RECORDS,
    "assessment.exams": ANY,
    "assessment.start": ANY,  # team 1's paper: both team-1 trainees may sit it
    "assessment.sit": A_RECORDS,
    "assessment.save": A_RECORDS,
    "assessment.submit": A_RECORDS,
    "assessment.attempt_result": A_RECORDS,
    "assessment.legacy_attempt_review": A_RECORDS,  # redirects to attempt_result
    "assessment.manage": ANY,
    "assessment.new_paper": ANY,
    "assessment.paper": TEAM_1_STAFF,
    "assessment.recall": ANY,
    "assessment.legacy_review": ANY,
    # trainees answer the weekly question; staff only read it (a staff POST is 405)
    "assessment.weekly": {"GET": ANY, "POST": frozenset({"trainee_a", "trainee_b"})},
    "assessment.set_weekly": ANY,
    "assessment.spot_draw": ANY,  # 307 to review.spot_draw
    "assessment.spot": A_RECORDS,  # redirects (307 for a POST) to review.spot_check
    "assessment.typing": ANY,
    "assessment.type_passage": A_RECORDS,
    # role-play
    "roleplay.index": ANY,
    "roleplay.start": ANY,
    "roleplay.session": A_RECORDS,
    # the review room
    "review.queue_page": ANY,
    "review.item": A_RECORDS,
    "review.grade": A_RECORDS,
    "review.acknowledge": A_RECORDS,
    "review.dispute": A_RECORDS,
    "review.item_audit": A_RECORDS,
    "review.audit_export": ANY,
    "review.mine": ANY,
    "review.disputes_page": ANY,
    "review.decide": A_RECORDS,
    "review.calibrations": ANY,
    "review.calibration_page": TEAM_1_STAFF,
    "review.calibration_item": TEAM_1_STAFF,
    "review.drills": ANY,
    "review.open_drill": ANY,
    "review.drill": A_RECORDS,
    "review.drill_state": A_RECORDS,
    "review.drill_say": A_RECORDS,
    "review.drill_reply": A_RECORDS,
    # only the supervisor who opened the drill ends it (HR is refused by the service: 403)
    "review.drill_finish": frozenset({"supervisor_1"}),
    "review.spot_draw": ANY,
    "review.spot_check": A_RECORDS,
    "review.correct_evidence": A_RECORDS,
    "review.violations_page": ANY,
    "review.void_violation": A_RECORDS,
}

#: Every GET runs before any POST; these POSTs, which change what later requests see, run after all other POSTs,
#: in this order: a new personal link makes the old /delphi/<token> worthless, ending the survey refuses every
#: later survey POST, and signing out must come last.
RUN_LAST = ("competency.regenerate_link", "competency.end_survey", "accounts.logout")

#: an empty POST may be refused for its missing input (400) or its state (409) once access was granted
ALLOWED_POST_CODES = frozenset({400, 409})
REFUSED_CODES = frozenset({403, 404, 405})
CSRF_REFUSED = msg("error.csrf")
#: redirects followed at most (the legacy addresses redirect once, the home page twice)
MAX_HOPS = 4


# --- the world -----------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, object]
    #: URL variable -> value, for every variable any rule takes
    ids: dict[str, object]
    #: endpoint -> {variable: value} where a variable name means another kind of record there
    overrides: dict[str, dict[str, object]] = field(default_factory=dict)

    def values_for(self, endpoint: str, names: Iterable[str]) -> tuple[dict[str, object], list[str]]:
        chosen = {**self.ids, **self.overrides.get(endpoint, {})}
        return {n: chosen[n] for n in names if n in chosen}, [n for n in names if n not in chosen]


def _build_world() -> World:
    """Everything through the services a real user's requests call."""
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
    a = user("trainee-a", "trainee", team=team1, grade_code="junior", hire_date=hired, display_name=A_NAME)
    b = user("trainee-b", "trainee", team=team1, grade_code="junior", hire_date=hired)
    user("trainee-c", "trainee", team=team2, grade_code="junior", hire_date=hired)
    spare = user("trainee-d", "trainee", team=team2, grade_code="junior", hire_date=hired)
    # An empty POST to the admin's edit forms is a valid edit: fields it lacks keep their stored value, but an
    # unticked box or an empty multiple choice is sent as nothing, so the account is disabled and the team
    # loses its supervisors. The admin pages name a spare account and a spare team, not A's.
    spare_team = accounts.save_team(None, name="三组", description="", supervisors=[])
    hr, admin = user("hr", "hr"), user("admin", "admin")
    users = {"trainee_a": a, "trainee_b": b, "supervisor_1": sup1, "supervisor_2": sup2, "hr": hr, "admin": admin}

    # free practice: two attempts, each a review item (the sample rate is 1)
    reply = "非常抱歉给您添麻烦了，理解您的心情，请您放心，我们马上处理，谢谢您告诉我们。"
    attempt = practice.practise(a, script="complaint", text=reply + MARK)
    practice.practise(a, script="complaint", text="请您稍等，我马上为您查询。")
    items = list(db.session.scalars(select(ReviewItem).where(ReviewItem.agent_id == a.id).order_by(ReviewItem.id)))
    assert len(items) >= 2, "practice should have queued two review items"
    graded, calibrated = items[0], items[1]

    # a grade by A's supervisor, disputed by A (the decider is HR: supervisor 1 leads team 1 alone)
    grading.grade_item(graded, sup1, GradeInput(ratings=dict.fromkeys(graded.indicators, 3), comment=f"可以更好{MARK}"))
    dispute = disputes.open_dispute(graded, a, comment=f"我已经说了{MARK}", proposed={})
    session = calibration.open_session(sup1, title=f"校准{MARK}", items=[calibrated], graders=[sup1, hr],
                                       deadline=utcnow() + timedelta(days=7), expert=None, tolerance=10.0)

    # a role-play, played a few turns
    scenario = roleplay.scenarios()[0]
    played = roleplay.start(a, scenario.id)
    for _ in range(2):
        if played.status == "in_progress":
            roleplay.take_turn(played, a, reply)

    # a course: enrolled, first segment visited; a course assigned to team 1
    course = learning.catalogue()[0]
    enrolment = learning.enrol(a, course)
    learning.visit(enrolment, course.segments[0])
    learning.assign(course, by=sup1, due_date=date.today() + timedelta(days=10), team=team1)

    # an exam paper of team 1 by its supervisor, sat and handed in by A
    category = next(c.id for c in assessment.categories()
                    if len(assessment.pool(assessment.Draw(c.id, 1, 5, 2))) >= 2)
    paper = assessment.create_paper(
        by=sup1, title="月考", description="", mode="fixed",
        question_ids=assessment.pool(assessment.Draw(category, 1, 5, 2))[:2], draws=[], time_limit=30,
        max_attempts=5, pass_mark=60, shuffle_questions=False, shuffle_options=False, closed_book=False,
        team=team1, opens_at=None, closes_at=None)
    exam = assessment.start_attempt(paper, a)
    assessment.submit(exam, {})

    # typing, the weekly question
    passage = assessment.passages()[0]
    typing = assessment.start_typing(a, passage)
    assessment.submit_typing(typing, passage.text[:30])
    weekly = assessment.weekly_question()
    assessment.answer_weekly(a, answer_for(weekly.question.question(), True, random.Random(1)))

    # supervisor judgement: evidence, a violation, a drill, a spot check (drawn until it is A's)
    indicator = competency.model_view().groups[0].indicators[0].id
    evidence = competency.record_evidence(agent=a, indicator_id=indicator, value=70, source_kind="supervisor",
                                          recorded_by=sup1, note=f"观察{MARK}")
    violation = violations.record_violation(sup1, a, category_id=violations.categories()[0].id,
                                            occurred_on=date.today(), note=f"迟到{MARK}")
    drill = drills.open_drill(sup1, a, title=f"投诉演练{MARK}", script="complaint")
    drills.say(drill, sup1, "你们怎么回事？")
    drills.reply(drill, a, reply)
    check = next(c for c in (spotchecks.draw(sup1, team1) for _ in range(64)) if c.agent_id == a.id)

    # a training request of team 1, a grade decision, a Delphi survey with a round open
    request = learning.file_request(sup1, title="投诉话术", need=f"新人不会安抚{MARK}", team=team1)
    promotions.decline(a, hr, to_code=promotions.of_agent(a).next.code, reason="再练一个月")
    survey = surveys.create_survey(hr, title="权重复核")
    surveys.add_platform_expert(survey, hr, sup1)
    surveys.add_platform_expert(survey, hr, hr)
    outside, token = surveys.add_outside_expert(survey, hr, name="外部专家")
    surveys.open_round(survey, hr)

    ids = {
        "user_id": a.id, "agent_id": a.id, "team_id": team1.id,
        "session_id": played.id, "attempt_id": exam.id, "paper_id": paper.id,
        "item_id": graded.id, "dispute_id": dispute.id, "evidence_id": evidence.id,
        "violation_id": violation.id, "drill_id": drill.id, "check_id": check.id, "request_id": request.id,
        "survey_id": survey.id, "expert_id": outside.id, "number": 1, "token": token,
        "slug": course.slug, "position": 0, "scenario_id": scenario.id,
        "fmt": "csv", "filename": "css/app.css",
    }
    overrides = {
        "admin.edit_user": {"user_id": spare.id},
        "admin.reset_password": {"user_id": spare.id},
        "admin.edit_team": {"team_id": spare_team.id},
        "practice.result": {"attempt_id": attempt.id},
        "assessment.type_passage": {"attempt_id": typing.id},
        "review.calibration_page": {"session_id": session.id},
        "review.calibration_item": {"session_id": session.id, "item_id": calibrated.id},
    }
    return World(users=users, ids=ids, overrides=overrides)


@pytest.fixture(scope="module")
def world_app(database_template, tmp_path_factory):
    """One app and one populated database for the whole module (the matrix only reads, or posts empty forms)."""
    with module_app(database_template, tmp_path_factory.mktemp("route-matrix"), REVIEW_SAMPLE_RATE=1.0,
                    API_RATE_LIMITS=api_rate_limits("off")) as app:
        app.extensions["route_matrix_world"] = _build_world()
        yield app


@pytest.fixture(scope="module")
def world(world_app) -> World:
    return world_app.extensions["route_matrix_world"]


# --- requesting and judging -------------------------------------------------------------------------------

VARIABLE = re.compile(r"<(?:[^<>]*:)?(\w+)>")


def variables(rule: Rule) -> list[str]:
    return VARIABLE.findall(rule.rule)


def methods(rule: Rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def is_api(rule: Rule) -> bool:
    return rule.rule.startswith("/api/")


def roles_of(app: Flask, endpoint: str) -> frozenset[str]:
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC  # served before any access check
    return app.view_functions[endpoint].allowed_roles


def scope_of(endpoint: str, method: str) -> frozenset[str] | None:
    scope = SCOPE[endpoint]
    return scope[method] if isinstance(scope, dict) else scope


def expected(app: Flask, endpoint: str, method: str, actor: Actor) -> str:
    roles = roles_of(app, endpoint)
    if roles is PUBLIC:
        return "allowed"
    if actor.role is None:
        return "sign-in"
    scope = scope_of(endpoint, method)
    return "allowed" if actor.role in roles and (scope is ANY or actor.key in scope) else "refused"


def outcome(response, method: str) -> str:
    code = response.status_code
    if code == 400 and CSRF_REFUSED in response.get_data(as_text=True):
        return "error"  # the token did not count: the request never reached the access check
    if code == 401:
        return "sign-in"
    if code in REFUSED_CODES:
        return "refused"
    if 300 <= code < 400:
        target = urlsplit(response.headers.get("Location", ""))
        return "sign-in" if target.path == "/login" and "next=" in target.query else "allowed"
    if 200 <= code < 300 or (method == "POST" and code in ALLOWED_POST_CODES):
        return "allowed"
    return "error"


def text_of(response) -> str:
    textual = response.mimetype.startswith("text/") or response.is_json
    return response.get_data(as_text=True) if textual else ""


def url_for_rule(rule: Rule, values: dict[str, object]) -> str:
    return VARIABLE.sub(lambda m: str(values[m.group(1)]), rule.rule)


@dataclass
class Matrix:
    app: Flask
    world: World
    requests: int = 0
    mismatches: list[str] = field(default_factory=list)

    def rules(self, *, api: bool) -> list[Rule]:
        chosen = [r for r in self.app.url_map.iter_rules() if is_api(r) == api]
        return sorted(chosen, key=lambda r: (r.rule, r.endpoint))

    def url(self, rule: Rule) -> str | None:
        if rule.endpoint not in SCOPE:
            self.mismatches.append(f"{rule.rule} [{rule.endpoint}]: not in SCOPE, so nobody knows who may use it")
            return None
        values, missing = self.world.values_for(rule.endpoint, variables(rule))
        if missing:
            self.mismatches.append(f"{rule.rule} [{rule.endpoint}]: the world has no record for {missing}; "
                                   "create one in _build_world")
            return None
        url = url_for_rule(rule, values)
        matched, _ = self.app.url_map.bind("localhost").match(url, method=methods(rule)[0])
        assert matched == rule.endpoint, f"{url} matches {matched}, not {rule.endpoint}"
        return url

    def send(self, client, method: str, url: str, **kwargs):
        """The final answer and the URLs on the way: a redirect is followed as a browser follows it with the same
        request (any redirect of a GET; a 307 or 308 of a POST, re-sent with its body). A POST's 302 or 303 (the
        action is done, the next page follows) and the sign-in page are where the answer stops."""
        hops = [url]
        response = client.open(url, method=method, **kwargs)
        while (300 <= response.status_code < 400 and len(hops) <= MAX_HOPS and outcome(response, method) != "sign-in"
               and (method == "GET" or response.status_code in (307, 308))):
            target = urlsplit(response.headers.get("Location", ""))
            if target.netloc not in ("", "localhost"):
                break
            response.close()
            hops.append(target.path + (f"?{target.query}" if target.query else ""))
            response = client.open(hops[-1], method=method, **kwargs)
        return response, hops

    def check(self, actor: Actor, rule: Rule, method: str, client, url: str, **kwargs) -> None:
        response, hops = self.send(client, method, url, **kwargs)
        self.requests += 1
        want, got = expected(self.app, rule.endpoint, method, actor), outcome(response, method)
        shown = [s for s in NEVER_SHOWN.get(actor.key, ()) if s in text_of(response)]
        response.close()  # a static file's stream stays open otherwise
        if shown:
            self.mismatches.append(f"{method} {url} [{rule.endpoint}] as {actor.key}: shows {shown}")
        if want != got:
            where = " → ".join(hops[1:] + ([response.headers["Location"]] if "Location" in response.headers else []))
            self.mismatches.append(f"{method} {url} [{rule.endpoint}] as {actor.key}: expected {want}, got "
                                   f"{response.status_code} {got}{' via ' + where if where else ''}")

    def report(self) -> str:
        return f"{len(self.mismatches)} of {self.requests} requests not as declared:\n" + "\n".join(self.mismatches)


def _signed_in_client(app: Flask, username: str):
    client = app.test_client()
    response = login(client, username)
    assert response.status_code == 302, f"{username} could not sign in: {response.status_code}"
    return client


# --- the tests ---------------------------------------------------------------------------------------------


def test_every_route_declares_roles_and_whose_records_it_shows(world_app):
    """A new route fails here until SCOPE says whose records it shows (and its view declares roles)."""
    endpoints = {rule.endpoint for rule in world_app.url_map.iter_rules()}
    undeclared = sorted(endpoints - set(SCOPE))
    stale = sorted(set(SCOPE) - endpoints)
    assert not undeclared, f"routes without an entry in SCOPE (tests/web/test_route_matrix.py): {undeclared}"
    assert not stale, f"SCOPE names endpoints that no longer exist: {stale}"
    for endpoint in endpoints:
        roles = roles_of(world_app, endpoint)
        assert roles, f"{endpoint} declares no roles"
        scope = SCOPE[endpoint]
        for method_scope in (scope.values() if isinstance(scope, dict) else [scope]):
            assert method_scope is ANY or roles is not PUBLIC, f"{endpoint} is public: a scope means nothing"
    for rule in world_app.url_map.iter_rules():
        if isinstance(SCOPE[rule.endpoint], dict):
            assert set(SCOPE[rule.endpoint]) == set(methods(rule)), f"{rule.rule}: a scope per method it accepts"


def test_every_page_answers_only_the_declared_actors(world_app, world):
    """Every page rule × method × actor, with trainee A's real ids; POSTs carry a valid token and nothing else."""
    from trainer.accounts import services as accounts

    matrix = Matrix(world_app, world)
    clients = {ANONYMOUS: world_app.test_client()}
    for actor in SIGNED_IN:
        clients[actor] = _signed_in_client(world_app, world.users[actor.key].username)
    hr_token = accounts.issue_api_token(world.users["hr"])
    clients[TOKEN_ONLY] = world_app.test_client()
    clients[TOKEN_ONLY].environ_base["HTTP_AUTHORIZATION"] = f"Bearer {hr_token}"
    tokens = {actor: csrf_from(client, "/account" if actor.role else "/login") for actor, client in clients.items()}

    rules = matrix.rules(api=False)
    reads = [(r, "GET") for r in rules if "GET" in r.methods]
    writes = [(r, m) for r in rules for m in methods(r) if m != "GET"]
    writes.sort(key=lambda planned: RUN_LAST.index(planned[0].endpoint) + 1 if planned[0].endpoint in RUN_LAST else 0)
    plan = reads + writes
    for rule, method in plan:
        url = matrix.url(rule)
        if url is None:
            continue
        for actor, client in clients.items():
            data = None if method == "GET" else {"csrf_token": tokens[actor]}
            matrix.check(actor, rule, method, client, url, data=data)
    assert not matrix.mismatches, matrix.report()
    assert matrix.requests == len(plan) * len(clients)


def test_every_api_endpoint_answers_only_the_declared_tokens(world_app, world):
    """Every /api/v1 rule × method × actor by Bearer token; no token → 401, a session cookie alone → 401."""
    from trainer.accounts import services as accounts

    matrix = Matrix(world_app, world)
    headers = {ANONYMOUS: {}, COOKIE_ONLY: {}}
    for actor in SIGNED_IN:
        headers[actor] = {"Authorization": f"Bearer {accounts.issue_api_token(world.users[actor.key])}"}
    anonymous = world_app.test_client()
    cookie = _signed_in_client(world_app, world.users["trainee_a"].username)
    rules = matrix.rules(api=True)
    plan = [(r, m) for r in rules for m in methods(r)]
    for rule, method in plan:
        url = matrix.url(rule)
        if url is None:
            continue
        for actor, header in headers.items():
            client = cookie if actor is COOKIE_ONLY else anonymous
            matrix.check(actor, rule, method, client, url, headers=header)  # a POST without a body
    assert not matrix.mismatches, matrix.report()
    assert matrix.requests == len(plan) * len(headers)
