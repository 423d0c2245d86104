"""Grades and promotion: the rules in grades.yaml (and their validation), eligibility for the next grade with
each rule's value, what is needed and met, HR's confirm / decline with a reason, the append-only grade
history and audit, a supervisor's read-only view, an agent's own page, and the HR API."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from tests.conftest import ROOT, login, post_form, repository_content
from trainer.accounts import services as accounts
from trainer.accounts.models import Grade, User
from trainer.competency import promotions
from trainer.competency import services as competency
from trainer.competency.grade_models import GradeChange, GradeHistoryIsAppendOnly
from trainer.competency.models import Indicator
from trainer.content import GRADES_FILE, load_content
from trainer.content.competency import load_grades
from trainer.extensions import db
from trainer.review import violations
from trainer.review.models import AuditRecord


def months_ago(n: int) -> date:
    today = date.today()
    year, month = divmod(today.year * 12 + today.month - 1 - n, 12)
    return date(year, month + 1, min(today.day, 28))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def measure(agent, value: float, **overrides: float) -> None:
    """Evidence of `value` on every second-level indicator (so the index is `value`), some overridden."""
    for ind in db.session.scalars(select(Indicator).where(Indicator.level == 2)):
        competency.record_evidence(agent=agent, indicator_id=ind.id, value=overrides.get(ind.id, value),
                                   source_kind="test", commit=False)
    db.session.commit()


def client_for(app, user):
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


@pytest.fixture
def desk(app, make_user, make_team):
    lead, other_lead, hr = make_user("supervisor"), make_user("supervisor"), make_user("hr")
    team, other_team = make_team("一组", [lead]), make_team("二组", [other_lead])
    ready = make_user("trainee", team=team, display_name="林小雨", grade_code="junior", hire_date=months_ago(4))
    measure(ready, 70)
    new = make_user("trainee", team=team, display_name="李明", grade_code="junior", hire_date=months_ago(1))
    measure(new, 90)
    elsewhere = make_user("trainee", team=other_team, display_name="赵一", grade_code="junior",
                          hire_date=months_ago(6))
    measure(elsewhere, 75)
    return {"lead": lead, "other_lead": other_lead, "hr": hr, "ready": ready, "new": new, "elsewhere": elsewhere}


# --- the grades file -------------------------------------------------------------------------------------


def test_rule_grades_keep_the_reference_tenure_and_gain_rules_synced_to_the_database(app):
    content = repository_content()
    assert [(g.code, g.name, g.min_tenure_months) for g in content.grades] == [
        ("junior", "初级", 0), ("intermediate", "中级", 3), ("senior", "高级", 12), ("expert", "资深", 24)]
    senior = db.session.get(Grade, "senior")
    assert senior.rules == {"index_at_least": 70.0, "indicators": {"communication": 70.0, "understanding_needs": 70.0},
                            "violation_points": {"at_most": 10, "months": 6}}
    assert db.session.get(Grade, "junior").rules == {}


BAD_GRADES = """\
grades:
  - code: junior
    name: 初级
    min_tenure_months: 0
  - code: intermediate
    name: 中级
    min_tenure_months: 3
    rules:
      index_at_least: -5
      indicators:
        no_such_indicator: 60
        communication: 120
      violation_points: {at_most: -1, months: 0, per: week}
      bonus: 3
  - code: senior
    name: 高级
    min_tenure_months: 12
    colour: red
    rules: [1, 2]
"""


def test_rule_bad_grade_rules_are_reported_at_their_path_and_line(tmp_path):
    folder = tmp_path / "competency"
    folder.mkdir()
    shutil.copyfile(ROOT / "question_bank/competency/model.yaml", folder / "model.yaml")
    (folder / "grades.yaml").write_text(BAD_GRADES, encoding="utf-8")
    grades, errors = load_grades(folder / "grades.yaml", "question_bank/competency/grades.yaml")
    assert grades == ()
    found = {(e.line, e.message) for e in errors}
    assert all(e.path == "question_bank/competency/grades.yaml" for e in errors)
    lines = {line for line, _ in found}
    assert {9, 11, 12, 13, 14, 18, 19} <= lines, found
    text_of = {line: message for line, message in found}
    assert "no_such_indicator" in text_of[11]
    assert "bonus" in text_of[14] and "colour" in text_of[18]
    assert any("per" in m for line, m in found if line == 13)
    assert any("不能为负数" in m for line, m in found if line == 13)


def test_rule_grades_checked_by_content_check(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(ROOT / "question_bank", root / "question_bank")
    (root / GRADES_FILE).write_text(BAD_GRADES, encoding="utf-8")
    errors = [e for e in load_content(root).errors if e.path.endswith("grades.yaml")]
    assert errors and all(e.line > 1 for e in errors)


# --- eligibility -----------------------------------------------------------------------------------------


def test_rule_each_rule_of_the_next_grade_with_value_needed_and_met(app, desk):
    found = {e.agent.id: e for e in promotions.eligibility([desk["ready"], desk["new"]])}
    ready, new = found[desk["ready"].id], found[desk["new"].id]
    assert ready.next.code == "intermediate" and ready.eligible
    assert [(r.rule, r.value, r.needed, r.met) for r in ready.rules] == [
        ("tenure_months", 4, 3, True), ("index", pytest.approx(70), 60, True), ("violation_points", 0, 20, True)]
    assert not new.eligible and [r.rule for r in new.unmet] == ["tenure_months"]


def test_rule_named_indicators_and_violation_points_over_the_period(app, desk, make_user):
    agent = make_user("trainee", team=desk["ready"].team, grade_code="intermediate", hire_date=months_ago(13))
    measure(agent, 80, communication=65)
    standing = promotions.of_agent(agent)
    assert standing.next.code == "senior"
    rules = {r.rule: r for r in standing.rules}
    assert rules["indicator:communication"].value == pytest.approx(65) and not rules["indicator:communication"].met
    assert rules["indicator:communication"].label == "人际沟通能力"
    assert rules["indicator:understanding_needs"].met and not standing.eligible
    # the ready agent crosses the violation ceiling of 中级 (20 points in 3 months) with two severe violations
    for _ in range(2):
        violations.record_violation(desk["lead"], desk["ready"], category_id="absenteeism", occurred_on=date.today(),
                                    note="")
    points = {r.rule: r for r in promotions.of_agent(desk["ready"]).rules}["violation_points"]
    assert (points.value, points.needed, points.met, points.months) == (40, 20, False, 3)


def test_rule_the_top_grade_has_no_next_grade(app, desk, make_user):
    top = make_user("trainee", grade_code="expert", hire_date=months_ago(40))
    standing = promotions.of_agent(top)
    assert standing.next is None and not standing.eligible and standing.rules == ()


def test_rule_eligibility_reads_a_fixed_number_of_queries(app, desk, make_user):
    def statements(agents) -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            promotions.eligibility(agents)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    def fresh(users):  # the agents as a page loads them: one query
        db.session.expire_all()
        return list(db.session.scalars(select(User).where(User.id.in_([u.id for u in users]))))

    few = [desk["ready"], desk["new"]]
    more = few + [make_user("trainee", grade_code="junior", hire_date=months_ago(5)) for _ in range(6)]
    first = statements(fresh(few))
    assert statements(fresh(more)) == first


# --- the HR page and decisions ---------------------------------------------------------------------------


def test_rule_hr_sees_the_eligible_list_with_each_rules_evidence(app, desk):
    page = client_for(app, desk["hr"]).get("/competency/promotions").get_data(as_text=True)
    assert "林小雨" in page and "赵一" in page and "李明" not in page  # 李明 has 1 month of tenure
    assert 'data-rule="tenure_months"' in page and "综合能力指数" in page and "近 3 个月违规扣分" in page


def test_rule_hr_confirms_the_grade_changes_with_history_and_audit(app, desk):
    client = client_for(app, desk["hr"])
    response = post_form(client, f"/competency/promotions/{desk['ready'].id}/confirm",
                         {"to_code": "intermediate", "reason": "三个月表现稳定"}, page="/competency/promotions")
    assert response.status_code == 302
    agent = db.session.get(type(desk["ready"]), desk["ready"].id)
    assert agent.grade_code == "intermediate"
    row = db.session.scalar(select(GradeChange).where(GradeChange.agent_id == agent.id))
    assert (row.from_code, row.to_code, row.decision, row.reason, row.decided_by_id) == (
        "junior", "intermediate", "confirm", "三个月表现稳定", desk["hr"].id)
    assert {r["rule"] for r in row.rules} == {"tenure_months", "index", "violation_points"}
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "promotion"))
    assert record.agent_id == agent.id and record.before == {"grade": "junior"}
    assert record.after["grade"] == "intermediate" and record.reason == "三个月表现稳定"
    # now the next grade is 高级, which needs a year: no longer on the list
    assert f'data-agent="{agent.id}"' not in client.get("/competency/promotions").get_data(as_text=True)


def test_rule_hr_declines_with_a_reason_and_the_grade_stays(app, desk):
    client = client_for(app, desk["hr"])
    response = post_form(client, f"/competency/promotions/{desk['ready'].id}/decline",
                         {"to_code": "intermediate", "reason": "下季度再评"}, page="/competency/promotions")
    assert response.status_code == 302
    assert db.session.get(type(desk["ready"]), desk["ready"].id).grade_code == "junior"
    row = db.session.scalar(select(GradeChange))
    assert row.decision == "decline" and row.to_code == "intermediate" and row.reason == "下季度再评"
    assert count(AuditRecord, AuditRecord.action == "promotion") == 1
    page = client.get("/competency/promotions").get_data(as_text=True)
    assert "下季度再评" in page  # still eligible, with the last decision beside them


@pytest.mark.parametrize("decision", ["confirm", "decline"])
def test_rule_a_decision_needs_a_reason(app, desk, decision):
    client = client_for(app, desk["hr"])
    response = post_form(client, f"/competency/promotions/{desk['ready'].id}/{decision}",
                         {"to_code": "intermediate", "reason": "  "}, page="/competency/promotions")
    assert response.status_code == 400
    assert "必须写明理由" in response.get_data(as_text=True)
    assert count(GradeChange) == 0 and count(AuditRecord, AuditRecord.action == "promotion") == 0


def test_rule_confirming_when_the_rules_no_longer_hold_is_refused_and_writes_nothing(app, desk):
    client = client_for(app, desk["hr"])
    assert "林小雨" in client.get("/competency/promotions").get_data(as_text=True)
    for _ in range(2):  # 40 points this month: over the 中级 ceiling of 20
        violations.record_violation(desk["lead"], desk["ready"], category_id="absenteeism", occurred_on=date.today(),
                                    note="")
    audits = count(AuditRecord)
    response = post_form(client, f"/competency/promotions/{desk['ready'].id}/confirm",
                         {"to_code": "intermediate", "reason": "表现好"}, page="/competency/promotions")
    assert response.status_code == 409
    assert "不满足晋级中级的条件" in response.get_data(as_text=True) and "违规扣分" in response.get_data(as_text=True)
    assert db.session.get(type(desk["ready"]), desk["ready"].id).grade_code == "junior"
    assert count(GradeChange) == 0 and count(AuditRecord) == audits


def test_rule_a_decision_for_a_grade_that_is_no_longer_next_is_refused(app, desk):
    client = client_for(app, desk["hr"])
    response = post_form(client, f"/competency/promotions/{desk['ready'].id}/confirm",
                         {"to_code": "expert", "reason": "跳级"}, page="/competency/promotions")
    assert response.status_code == 409 and "请刷新页面" in response.get_data(as_text=True)
    assert count(GradeChange) == 0


def test_rule_a_supervisor_reads_only_their_teams_and_cannot_decide(app, desk):
    client = client_for(app, desk["lead"])
    page = client.get("/competency/promotions").get_data(as_text=True)
    assert "林小雨" in page and "赵一" not in page
    assert 'name="reason"' not in page and "/confirm" not in page
    response = post_form(client, f"/competency/promotions/{desk['ready'].id}/confirm",
                         {"to_code": "intermediate", "reason": "想晋级"}, page="/competency/promotions")
    assert response.status_code == 403
    assert db.session.get(type(desk["ready"]), desk["ready"].id).grade_code == "junior" and count(GradeChange) == 0
    with pytest.raises(Exception, match=r"promotion.not_allowed"):
        promotions.confirm(desk["ready"], desk["lead"], to_code="intermediate", reason="x")


def test_rule_a_decision_without_csrf_is_refused(app, desk):
    client = client_for(app, desk["hr"])
    response = client.post(f"/competency/promotions/{desk['ready'].id}/confirm",
                           data={"to_code": "intermediate", "reason": "三个月表现稳定"})
    assert response.status_code == 400
    assert count(GradeChange) == 0 and db.session.get(type(desk["ready"]), desk["ready"].id).grade_code == "junior"


@pytest.mark.parametrize("role", ["trainee", "admin"])
def test_rule_only_staff_open_the_list(signed_in, role):
    client, _ = signed_in(role)
    assert client.get("/competency/promotions").status_code == 403


def test_rule_an_agent_sees_what_stands_between_them_and_the_next_grade(app, desk):
    client = client_for(app, desk["new"])
    page = client.get("/competency/promotions/me").get_data(as_text=True)
    assert "晋级中级的条件" in page and "还差 1 项" in page and "还差 2 个月" in page
    assert 'data-rule="index"' in page and "≥ 60" in page
    promotions.decline(desk["ready"], desk["hr"], to_code="intermediate", reason="先带新人")
    promotions_page = client_for(app, desk["ready"]).get("/competency/promotions/me").get_data(as_text=True)
    assert "全部条件已满足" in promotions_page and "先带新人" in promotions_page  # their grade history
    assert client.get(f"/competency/promotions/agents/{desk['ready'].id}").status_code == 403
    assert client_for(app, desk["other_lead"]).get(f"/competency/promotions/agents/{desk['ready'].id}").status_code \
        == 403
    assert client_for(app, desk["lead"]).get(f"/competency/promotions/agents/{desk['ready'].id}").status_code == 200


def test_rule_grade_history_is_append_only(app, desk):
    row = promotions.decline(desk["ready"], desk["hr"], to_code="intermediate", reason="再等等")
    row.reason = "改掉"
    with pytest.raises(GradeHistoryIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    for statement in ("UPDATE grade_history SET reason = 'x'", "DELETE FROM grade_history"):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert count(GradeChange) == 1


# --- the API ---------------------------------------------------------------------------------------------


def test_rule_api_lists_the_eligible_for_an_hr_token_only(app, client, desk):
    token = accounts.issue_api_token(desk["hr"])
    body = client.get("/api/v1/hr/promotions", headers={"Authorization": f"Bearer {token}"}).get_json()
    by_id = {e["agent"]["id"]: e for e in body["eligible"]}
    assert set(by_id) == {desk["ready"].id, desk["elsewhere"].id}
    entry = by_id[desk["ready"].id]
    assert entry["agent"] == {"id": desk["ready"].id, "name": "林小雨", "grade": "junior", "grade_name": "初级",
                              "hire_date": desk["ready"].hire_date.isoformat()}
    assert entry["next"] == "intermediate"
    assert entry["rules"][0] == {"rule": "tenure_months", "value": 4, "needed": 3, "met": True}
    assert all(set(r) == {"rule", "value", "needed", "met"} and r["met"] for r in entry["rules"])
    lead_token = accounts.issue_api_token(desk["lead"])
    assert client.get("/api/v1/hr/promotions", headers={"Authorization": f"Bearer {lead_token}"}).status_code == 403
    assert client.get("/api/v1/hr/promotions").status_code == 401


def test_the_readme_documents_the_grade_rules():
    readme = (Path(ROOT) / "question_bank" / "README.md").read_text(encoding="utf-8")
    assert "index_at_least" in readme and "violation_points" in readme
