"""Issue 12 item 15: the administrative audit log — every administrative action leaves exactly one record (who, when,
before and after), the records cannot be changed, and `/admin/audit` lists them for admins only, without the
review room's grading records."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from sqlalchemy import select, text

from tests.conftest import PASSWORD, ROOT, csrf_from, login, post_form
from trainer.accounts import audit, services
from trainer.content import load_content
from trainer.extensions import db
from trainer.review import audit as review_audit
from trainer.review.models import AuditRecord, JudgementIsAppendOnly
from trainer.sync import sync_content

STRONG = "teal-harbour-kite-19"
SAMPLE_GIFT = ROOT / "question_bank" / "gift" / "sample.gift"


def _last_id() -> int:
    return db.session.scalar(select(AuditRecord.id).order_by(AuditRecord.id.desc()).limit(1)) or 0


def _since(mark: int) -> list[AuditRecord]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.id > mark).order_by(AuditRecord.id)))


def _add_category(root, ident: str) -> None:
    with (root / "question_bank" / "questions" / "categories.yaml").open("a", encoding="utf-8") as f:
        f.write(f"  - id: {ident}\n    name: {ident} 分类\n")


def _only(mark: int, action: str) -> AuditRecord:
    """Exactly one new record, and it is `action`."""
    records = _since(mark)
    assert [r.action for r in records] == [action]
    return records[0]


@pytest.fixture
def admin(signed_in):
    client, user = signed_in("admin")
    return client, user


# --- each action writes exactly one record ---------------------------------------------------------------


def test_creating_a_user_is_recorded_with_who_and_what(admin, make_team):
    client, me = admin
    team = make_team("前台组")
    mark = _last_id()
    response = post_form(client, "/admin/users/new", {
        "username": "Wu-Lei", "password": STRONG, "display_name": "吴磊", "role": "trainee",
        "team_id": str(team.id), "grade_code": "junior", "hire_date": "2026-09-01",
    })
    assert response.status_code == 302
    record = _only(mark, "user_create")
    user = services.get_user("wu-lei")
    assert (record.actor_id, record.target, record.before) == (me.id, f"user:{user.id}", None)
    assert record.after == {"username": "wu-lei", "display_name": "吴磊", "role": "trainee", "team": "前台组",
                            "grade": "junior", "hire_date": "2026-09-01", "led_teams": [], "active": True}
    assert record.item_id is None and record.agent_id is None  # never in the review room's trail
    assert STRONG not in str(record.after)


def test_a_refused_creation_writes_no_record(admin, make_user):
    client, _ = admin
    make_user("trainee", username="taken")
    mark = _last_id()
    response = post_form(client, "/admin/users/new", {
        "username": "taken", "password": STRONG, "display_name": "重名", "role": "trainee", "team_id": "0",
    })
    assert response.status_code == 400 and _since(mark) == []


def test_changing_role_team_and_grade_is_one_record_of_the_changed_fields(admin, make_user, make_team):
    client, me = admin
    first, second = make_team("一组"), make_team("二组")
    user = make_user("trainee", team=first, display_name="林小雨")
    mark = _last_id()
    post_form(client, f"/admin/users/{user.id}", {
        "display_name": "林小雨", "role": "trainee", "team_id": str(second.id), "grade_code": "senior",
        "hire_date": "", "active": "y",
    })
    record = _only(mark, "user_update")
    assert record.actor_id == me.id and record.target == f"user:{user.id}"
    assert (record.before, record.after) == ({"team": "一组", "grade": None}, {"team": "二组", "grade": "senior"})
    mark = _last_id()
    post_form(client, f"/admin/users/{user.id}", {
        "display_name": "林小雨", "role": "supervisor", "team_id": "0", "grade_code": "senior", "active": "y",
    })
    record = _only(mark, "user_update")
    assert (record.before, record.after) == ({"role": "trainee", "team": "二组"}, {"role": "supervisor", "team": None})


def test_saving_an_unchanged_user_writes_nothing(admin, make_user):
    client, _ = admin
    user = make_user("trainee", display_name="不变")
    mark = _last_id()
    post_form(client, f"/admin/users/{user.id}", {"display_name": "不变", "role": "trainee", "team_id": "0",
                                                  "active": "y"})
    assert _since(mark) == []


def test_disabling_and_enabling_are_recorded(admin, make_user):
    client, me = admin
    user = make_user("trainee", display_name="停用")
    mark = _last_id()
    post_form(client, f"/admin/users/{user.id}", {"display_name": "停用", "role": "trainee", "team_id": "0"})
    record = _only(mark, "user_disable")
    assert (record.actor_id, record.before, record.after) == (me.id, {"active": True}, {"active": False})
    mark = _last_id()
    post_form(client, f"/admin/users/{user.id}", {"display_name": "停用", "role": "trainee", "team_id": "0",
                                                  "active": "y"})
    record = _only(mark, "user_enable")
    assert (record.before, record.after) == ({"active": False}, {"active": True})


def test_a_refused_edit_writes_no_record(admin):
    client, me = admin
    mark = _last_id()
    response = post_form(client, f"/admin/users/{me.id}", {"display_name": "me", "role": "hr", "team_id": "0",
                                                           "active": "y"})
    assert response.status_code == 400 and _since(mark) == []


def test_password_reset_is_recorded_without_the_password(admin, make_user):
    client, me = admin
    user = make_user("trainee")
    mark = _last_id()
    response = post_form(client, f"/admin/users/{user.id}/password", {"password": STRONG},
                         page=f"/admin/users/{user.id}")
    assert response.status_code == 302
    record = _only(mark, "password_reset")
    assert (record.actor_id, record.target, record.before, record.after) == (me.id, f"user:{user.id}", None, None)
    mark = _last_id()
    post_form(client, f"/admin/users/{user.id}/password", {"password": "password1"}, page=f"/admin/users/{user.id}")
    assert _since(mark) == []  # refused by the password rule: nothing changed, nothing recorded


def test_own_password_change_is_recorded(signed_in):
    client, user = signed_in("trainee")
    mark = _last_id()
    post_form(client, "/account", {"current": PASSWORD, "new": STRONG, "confirm": STRONG})
    record = _only(mark, "password_change")
    assert (record.actor_id, record.target) == (user.id, f"user:{user.id}")


def test_token_issue_and_revoke_are_recorded_without_the_token(signed_in):
    client, user = signed_in("supervisor")
    mark = _last_id()
    page = post_form(client, "/account/token", {}, page="/account").get_data(as_text=True)
    token = page.split('id="new-token">')[1].split("<")[0]
    issued = _only(mark, "token_issue")
    db.session.refresh(user)
    assert (issued.actor_id, issued.target) == (user.id, f"user:{user.id}")
    assert issued.before == {"token_created_at": None}
    assert issued.after == {"token_created_at": user.api_token_created_at.isoformat(timespec="seconds")}
    assert token not in str(issued.after) and user.api_token_hash not in str(issued.after)
    mark = _last_id()
    post_form(client, "/account/token/revoke", {}, page="/account")
    revoked = _only(mark, "token_revoke")
    assert revoked.before == issued.after and revoked.after == {"token_created_at": None}
    mark = _last_id()
    post_form(client, "/account/token/revoke", {}, page="/account")
    assert _since(mark) == []  # nothing to revoke


def test_cli_actions_have_no_actor(runner):
    mark = _last_id()
    assert runner.invoke(args=["user", "create", "ops-bot", "--role", "hr", "--password", STRONG]).exit_code == 0
    assert runner.invoke(args=["user", "token", "ops-bot"]).exit_code == 0
    records = _since(mark)
    assert [(r.action, r.actor_id) for r in records] == [("user_create", None), ("token_issue", None)]


def test_teams_are_recorded(admin, make_user):
    client, me = admin
    lead = make_user("supervisor", username="lead-a")
    mark = _last_id()
    post_form(client, "/admin/teams/new", {"name": "投诉专席", "description": "", "supervisor_ids": [str(lead.id)]})
    created = _only(mark, "team_create")
    assert created.actor_id == me.id
    assert created.after == {"name": "投诉专席", "description": "", "supervisors": ["lead-a"]}
    team_id = int(created.target.split(":")[1])
    mark = _last_id()
    post_form(client, f"/admin/teams/{team_id}", {"name": "投诉专席", "description": "升级投诉"})
    updated = _only(mark, "team_update")
    assert updated.before == {"description": "", "supervisors": ["lead-a"]}
    assert updated.after == {"description": "升级投诉", "supervisors": []}


def test_content_sync_records_one_summary_only_when_something_changed(app, tmp_path, make_user):
    root = tmp_path / "content"
    shutil.copytree(ROOT / "question_bank", root / "question_bank")
    shutil.copytree(ROOT / "courses", root / "courses")
    mark = _last_id()
    sync_content(load_content(root))
    assert _since(mark) == []  # the template database already has this content
    _add_category(root, "audit-check")
    report = sync_content(load_content(root))
    record = _only(mark, "content_sync")
    assert record.actor_id is None and record.target == "content"
    assert record.after["count"] == len(report.changes) and record.after["changes"] == report.changes
    assert "category audit-check: added" in record.after["changes"]
    operator = make_user("admin")
    _add_category(root, "audit-check-2")
    mark = _last_id()
    sync_content(load_content(root), actor=operator)
    assert _only(mark, "content_sync").actor_id == operator.id


def test_cli_content_sync_is_recorded_as_the_command_line(runner, fixture_content):
    _add_category(fixture_content, "audit-cli")
    mark = _last_id()
    result = runner.invoke(args=["content", "sync", "--root", str(fixture_content)])
    assert result.exit_code == 0, result.output
    assert _only(mark, "content_sync").actor_id is None
    mark = _last_id()
    assert runner.invoke(args=["content", "sync", "--root", str(fixture_content)]).exit_code == 0
    assert _since(mark) == []


def _upload(client, data: bytes, name: str = "bank.gift"):
    token = csrf_from(client, "/admin/questions")
    form = {"csrf_token": token, "category": "imported", "indicators": ["product_knowledge"], "difficulty": "2",
            "file": (io.BytesIO(data), name)}
    return client.post("/admin/questions", data=form, content_type="multipart/form-data")


def test_gift_import_is_recorded(admin, runner):
    client, me = admin
    mark = _last_id()
    assert _upload(client, SAMPLE_GIFT.read_bytes(), "sample.gift").status_code == 200
    record = _only(mark, "gift_import")
    assert (record.actor_id, record.target) == (me.id, "gift:sample.gift")
    assert record.after == {"source": "sample.gift", "category": "imported", "imported": 12, "updated": 0,
                            "skipped": 2}
    mark = _last_id()
    assert _upload(client, "::a:: 缺右括号 {=对 ~错".encode()).status_code == 400
    assert _since(mark) == []  # nothing imported, nothing recorded
    assert runner.invoke(args=["questions", "import", str(SAMPLE_GIFT)]).exit_code == 0
    record = _only(mark, "gift_import")
    assert record.actor_id is None and record.after["updated"] == 12


# --- never edited ----------------------------------------------------------------------------------------


def test_records_cannot_be_updated_or_deleted(app, make_user):
    make_user("trainee")
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "user_create"))
    record.after = {"username": "someone-else"}
    with pytest.raises(JudgementIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditRecord, record.id))
    with pytest.raises(JudgementIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    for statement in ("UPDATE audit_records SET reason = 'x'", "DELETE FROM audit_records"):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.get(AuditRecord, record.id).after["username"] != "someone-else"


# --- the page ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit.csv"])
def test_only_admins_open_the_log(app, make_user, path):
    assert app.test_client().get(path).status_code == 302  # anonymous: to the sign-in page
    assert "/login" in app.test_client().get(path).headers["Location"]
    for role in ("trainee", "supervisor", "hr"):
        client = app.test_client()
        assert login(client, make_user(role).username).status_code == 302
        assert client.get(path).status_code == 403, role
    client = app.test_client()
    login(client, make_user("admin").username)
    assert client.get(path).status_code == 200


def _grading_record(make_user) -> AuditRecord:
    lead, agent = make_user("supervisor"), make_user("trainee")
    record = review_audit.record(actor=lead, action="grade", agent_id=agent.id, target="grade:4242",
                                 after={"secret_score": 12})
    db.session.commit()
    return record


def test_the_page_lists_administrative_records_newest_first_and_no_grading(admin, make_user):
    client, _ = admin
    _grading_record(make_user)
    post_form(client, "/admin/users/new", {"username": "first-user", "password": STRONG, "display_name": "一号",
                                           "role": "trainee", "team_id": "0"})
    post_form(client, "/admin/users/new", {"username": "second-user", "password": STRONG, "display_name": "二号",
                                           "role": "trainee", "team_id": "0"})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "操作审计" in page and "创建用户" in page
    assert page.index("second-user") < page.index("first-user")  # newest first
    assert "命令行" in page  # the fixtures' accounts were made without anyone signed in
    assert "grade:4242" not in page and "secret_score" not in page and "评分" not in page.split("<table")[1]
    assert "secret_score" not in client.get("/admin/audit?action=grade").get_data(as_text=True)
    assert 'href="/admin/audit"' in client.get("/admin").get_data(as_text=True)  # in the admin navigation


def test_filters_by_action_and_actor(admin, make_user):
    client, me = admin
    post_form(client, "/admin/users/new", {"username": "by-admin", "password": STRONG, "display_name": "管理员建",
                                           "role": "trainee", "team_id": "0"})
    mine = client.get(f"/admin/audit?actor={me.id}").get_data(as_text=True)
    assert "by-admin" in mine and "命令行</span>" not in mine
    cli = client.get("/admin/audit?actor=cli").get_data(as_text=True)
    assert "by-admin" not in cli and "命令行</span>" in cli
    resets = client.get("/admin/audit?action=password_reset").get_data(as_text=True)
    assert "没有符合条件的记录" in resets
    created = client.get("/admin/audit?action=user_create").get_data(as_text=True)
    assert "by-admin" in created


@pytest.mark.parametrize("query", ["page=abc", "page=0", "page=999999999", "action=grade", "actor=99999",
                                   "actor=abc", "action=%01"])
def test_bad_filters_are_a_message_not_an_error(admin, query):
    client, _ = admin
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 400
    assert "筛选条件无效" in response.get_data(as_text=True)
    assert client.get(f"/admin/audit.csv?{query}").status_code == 400


def test_the_page_is_paginated(admin, make_user):
    client, _ = admin
    for _ in range(audit.PER_PAGE + 5):
        make_user("trainee")
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "第 1 /" in first and "下一页" in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "上一页" in second
    assert first.count("<tr>") - 1 == audit.PER_PAGE  # the header row is the first


def test_csv_download_has_every_row(admin, make_user):
    client, me = admin
    _grading_record(make_user)
    make_user("trainee", username="csv-user")
    post_form(client, "/admin/users/new", {"username": "csv-admin-made", "password": STRONG,
                                           "display_name": "表格", "role": "trainee", "team_id": "0"})
    response = client.get("/admin/audit.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert tuple(rows[0]) == audit.CSV_HEADER
    body = rows[1:]
    expected = db.session.scalars(select(AuditRecord).where(AuditRecord.action.in_(audit.ADMIN_ACTIONS))).all()
    assert len(body) == len(expected) and {int(r[0]) for r in body} == {r.id for r in expected}
    assert [int(r[0]) for r in body] == sorted((int(r[0]) for r in body), reverse=True)
    made = next(r for r in body if r[6] == "csv-admin-made")
    assert (made[2], made[3], made[4]) == (me.username, "user_create", "创建用户")
    assert any(r[2] == "命令行" and r[6] == "csv-user" for r in body)
    assert not any(r[3] == "grade" for r in body)
    filtered = client.get(f"/admin/audit.csv?actor={me.id}").get_data(as_text=True)
    assert "csv-admin-made" in filtered and "csv-user" not in filtered


def test_the_review_export_does_not_include_administrative_records(app, make_user):
    hr = make_user("hr")
    _grading_record(make_user)
    client = app.test_client()
    login(client, hr.username)
    exported = client.get("/review/audit.csv").get_data(as_text=True)
    assert "grade:4242" in exported
    assert "user_create" not in exported and "user:" not in exported


def test_every_action_has_a_label():
    from trainer import messages

    assert set(audit.ADMIN_ACTIONS) == set(messages.ADMIN_AUDIT_LABELS)
    assert not set(audit.ADMIN_ACTIONS) & set(messages.AUDIT_ACTION_LABELS)  # distinct from the review trail


def test_an_unknown_action_is_refused(app):
    with pytest.raises(ValueError, match="unknown administrative action"):
        audit.record(actor=None, action="grade", target="x")
