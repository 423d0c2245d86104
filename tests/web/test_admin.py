"""Admin pages: create users, change roles and teams, reset passwords, manage teams."""

from datetime import date

from sqlalchemy import func, select

from tests.conftest import PASSWORD, login, post_form
from trainer.accounts import services
from trainer.accounts.models import Team, User
from trainer.extensions import db


def _count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_admin_creates_a_trainee_in_a_team(signed_in, make_team):
    admin_client, _ = signed_in("admin")
    team = make_team("前台组")
    response = post_form(admin_client, "/admin/users/new", {
        "username": "Wu-Lei", "password": "first-pass-1", "display_name": "吴磊", "role": "trainee",
        "team_id": str(team.id), "grade_code": "junior", "hire_date": "2026-09-01",
    })
    assert response.status_code == 302
    user = services.get_user("wu-lei")
    assert (user.display_name, user.role, user.team_id, user.grade_code) == ("吴磊", "trainee", team.id, "junior")
    assert user.hire_date == date(2026, 9, 1)
    assert "已创建用户 wu-lei" in admin_client.get("/admin/users").get_data(as_text=True)


def test_duplicate_username_is_a_field_error_and_nothing_is_written(signed_in, make_user):
    admin_client, _ = signed_in("admin")
    make_user("trainee", username="taken")
    before = _count_users()
    response = post_form(admin_client, "/admin/users/new", {
        "username": "TAKEN", "password": "first-pass-1", "display_name": "重名", "role": "trainee", "team_id": "0",
    })
    assert response.status_code == 400
    assert "用户名 taken 已被使用" in response.get_data(as_text=True)
    assert _count_users() == before


def test_form_errors_are_shown_next_to_fields_and_input_is_kept(signed_in):
    admin_client, _ = signed_in("admin")
    response = post_form(admin_client, "/admin/users/new", {
        "username": "bad name!", "password": "short", "display_name": "保留的姓名", "role": "trainee", "team_id": "0",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "只能使用字母、数字、点、下划线和连字符" in page
    assert "密码至少 8 位" in page
    assert 'value="保留的姓名"' in page


def test_supervisor_cannot_be_put_in_a_team_as_member(signed_in, make_team):
    admin_client, _ = signed_in("admin")
    team = make_team()
    response = post_form(admin_client, "/admin/users/new", {
        "username": "lead", "password": "first-pass-1", "display_name": "主管", "role": "supervisor",
        "team_id": str(team.id),
    })
    assert response.status_code == 400
    assert "只有学员归属团队" in response.get_data(as_text=True)


def test_edit_user_changes_role_grade_and_can_disable(app, signed_in, make_user):
    admin_client, _ = signed_in("admin")
    user = make_user("trainee")
    url = f"/admin/users/{user.id}"
    response = post_form(admin_client, url, {
        "display_name": "新名字", "role": "trainee", "team_id": "0", "grade_code": "senior", "hire_date": "",
    })  # `active` unchecked -> disabled
    assert response.status_code == 302
    assert (user.display_name, user.grade_code, user.active) == ("新名字", "senior", False)
    assert login(app.test_client(), user.username).status_code == 403


def test_disabling_ends_the_users_open_sessions(app, signed_in, make_user):
    trainee = make_user("trainee")
    trainee_client = app.test_client()
    login(trainee_client, trainee.username)
    assert trainee_client.get("/me").status_code == 200
    admin_client, _ = signed_in("admin")
    post_form(admin_client, f"/admin/users/{trainee.id}", {"display_name": "x", "role": "trainee", "team_id": "0"})
    assert trainee_client.get("/me").status_code == 302


def test_admin_cannot_lock_themselves_out(signed_in):
    admin_client, admin = signed_in("admin")
    response = post_form(admin_client, f"/admin/users/{admin.id}", {
        "display_name": "me", "role": "hr", "team_id": "0", "active": "y",
    })
    assert response.status_code == 400
    assert "不能停用自己或取消自己的管理员角色" in response.get_data(as_text=True)
    assert admin.role == "admin"


def test_reset_password(app, signed_in, make_user):
    admin_client, _ = signed_in("admin")
    user = make_user("trainee")
    response = post_form(admin_client, f"/admin/users/{user.id}/password", {"password": "reset-pass-99"},
                         page=f"/admin/users/{user.id}")
    assert response.status_code == 302
    other = app.test_client()
    assert login(other, user.username, PASSWORD).status_code == 400
    assert login(other, user.username, "reset-pass-99").status_code == 302


def test_reset_password_too_short(signed_in, make_user):
    admin_client, _ = signed_in("admin")
    user = make_user("trainee")
    response = post_form(admin_client, f"/admin/users/{user.id}/password", {"password": "123"},
                         page=f"/admin/users/{user.id}")
    assert response.status_code == 400
    assert "密码至少 8 位" in response.get_data(as_text=True)


def test_unknown_user_page_is_404(signed_in):
    admin_client, _ = signed_in("admin")
    assert admin_client.get("/admin/users/4242").status_code == 404


def test_create_team_with_supervisors(signed_in, make_user):
    admin_client, _ = signed_in("admin")
    lead1, lead2 = make_user("supervisor"), make_user("supervisor")
    response = post_form(admin_client, "/admin/teams/new", {
        "name": "投诉专席", "description": "处理升级投诉", "supervisor_ids": [str(lead1.id), str(lead2.id)],
    })
    assert response.status_code == 302
    team = db.session.scalar(select(Team).where(Team.name == "投诉专席"))
    assert {s.id for s in team.supervisors} == {lead1.id, lead2.id}
    assert team in lead1.led_teams


def test_team_name_must_be_unique(signed_in, make_team):
    admin_client, _ = signed_in("admin")
    make_team("一组")
    response = post_form(admin_client, "/admin/teams/new", {"name": "一组"})
    assert response.status_code == 400
    assert "团队名称 一组 已存在" in response.get_data(as_text=True)


def test_only_supervisors_are_offered_as_team_leads(signed_in, make_user):
    admin_client, _ = signed_in("admin")
    trainee = make_user("trainee")
    response = post_form(admin_client, "/admin/teams/new", {"name": "三组", "supervisor_ids": [str(trainee.id)]})
    assert response.status_code == 400  # not a valid choice
    assert db.session.scalar(select(Team).where(Team.name == "三组")) is None


def test_turning_a_supervisor_into_a_trainee_drops_their_teams(signed_in, make_user, make_team):
    admin_client, _ = signed_in("admin")
    lead = make_user("supervisor")
    team = make_team("四组", [lead])
    post_form(admin_client, f"/admin/users/{lead.id}", {
        "display_name": "x", "role": "trainee", "team_id": "0", "active": "y",
    })
    assert team.supervisors == []
