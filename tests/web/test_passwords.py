"""Issue 12 item 14: length is not enough — the common passwords, the username (reversed, decorated with digits)
and one repeated character are refused, by the forms (a message next to the field, nothing written) and by the
services behind them (so the CLI and any future caller cannot store one either)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from tests.conftest import PASSWORD, login, post_form
from trainer import messages
from trainer.accounts import passwords, services
from trainer.accounts.models import User
from trainer.accounts.passwords import PasswordRejected
from trainer.extensions import db
from trainer.review.models import AuditRecord

STRONG = "teal-harbour-kite-19"

# (password for the user "zhangsan", the message the form shows)
REFUSED = [
    ("password", "这个密码太常见"),
    ("12345678", "这个密码太常见"),
    ("Qwerty123", "这个密码太常见"),
    ("woaini1314", "这个密码太常见"),
    ("5201314520", "这个密码太常见"),
    ("iloveyou2026!", "这个密码太常见"),  # a listed word with digits and a symbol around it
    ("zhangsan", "密码不能是用户名"),
    ("ZhangSan", "密码不能是用户名"),  # case-insensitive
    ("zhangsan123", "密码不能是用户名"),  # digits appended
    ("2026zhangsan!", "密码不能是用户名"),
    ("nasgnahz", "密码不能是用户名"),  # reversed
    ("aaaaaaaa", "密码不能由同一个字符重复组成"),
    ("AaAaAaAaAa", "密码不能由同一个字符重复组成"),
    ("00000000000", "密码不能由同一个字符重复组成"),
]


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- the rule ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("password, message", REFUSED)
def test_rule_refuses(password, message):
    key, values = passwords.weakness(password, "zhangsan")
    assert message in messages.msg(key, **values)


@pytest.mark.parametrize("password", [STRONG, "demo-pass-2026", PASSWORD, "zhangsan-likes-tea-7", "Sunny/Harbour/88"])
def test_rule_accepts_strong_passwords_and_the_demo_password(password):
    assert passwords.weakness(password, "zhangsan") is None


def test_rule_checks_length_first():
    assert passwords.weakness("abc", "x", min_length=8) == ("password.too_short", {"minimum": 8})
    assert passwords.weakness("tealkite", "x", min_length=10) == ("password.too_short", {"minimum": 10})


def test_rule_with_a_username_that_has_digits_and_dots():
    assert passwords.weakness("wang.fang", "wang.fang")[0] == "password.username"
    assert passwords.weakness("trainee-2024", "trainee-1")[0] == "password.username"


def test_the_list_is_data_loaded_once_lowercased_and_without_the_demo_password():
    text = passwords.COMMON_PASSWORDS_FILE.read_text(encoding="utf-8")
    entries = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(entries) > 3000
    assert all(e == e.lower() and e == e.strip() for e in entries)
    listed = passwords.common_passwords()
    assert passwords.common_passwords() is listed  # cached
    assert {"123456", "password", "qwerty", "111111", "abc123", "iloveyou", "admin", "welcome", "woaini1314",
            "5201314", "zhang123", "1qaz2wsx"} <= listed
    assert "demo-pass-2026" not in listed and "demo-pass" not in listed


# --- the services ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("password, message", REFUSED)
def test_create_user_refuses_and_writes_nothing(app, password, message):
    users, records = _count(User), _count(AuditRecord)
    with pytest.raises(PasswordRejected) as caught:
        services.create_user(username="zhangsan", password=password, role="trainee")
    assert message in caught.value.message
    assert (_count(User), _count(AuditRecord)) == (users, records)


def test_reset_and_change_refuse_and_keep_the_old_password(app, make_user):
    user = make_user("trainee", username="zhangsan")
    records = _count(AuditRecord)
    for weak in ("zhangsan123", "password1", "bbbbbbbb"):
        with pytest.raises(PasswordRejected):
            services.reset_password(user, weak)
        with pytest.raises(PasswordRejected):
            services.change_password(user, PASSWORD, weak, keep_session=None)
    db.session.rollback()
    assert check_password_hash(db.session.get(User, user.id).password_hash, PASSWORD)
    assert _count(AuditRecord) == records


def test_services_accept_a_strong_password(app, make_user):
    user = services.create_user(username="zhangsan", password=STRONG, role="trainee")
    services.reset_password(user, "another-" + STRONG)
    services.change_password(user, "another-" + STRONG, "third-" + STRONG, keep_session=None)
    assert check_password_hash(user.password_hash, "third-" + STRONG)


def test_cli_user_create_says_why_and_creates_nothing(runner):
    result = runner.invoke(args=["user", "create", "zhangsan", "--role", "hr", "--password", "zhangsan123"])
    assert result.exit_code == 1
    assert "密码不能是用户名" in result.output
    assert services.get_user("zhangsan") is None
    result = runner.invoke(args=["user", "create", "zhangsan", "--role", "hr", "--password", "iloveyou"])
    assert result.exit_code == 1 and "这个密码太常见" in result.output
    assert runner.invoke(args=["user", "create", "zhangsan", "--role", "hr", "--password", STRONG]).exit_code == 0


# --- the forms ---------------------------------------------------------------------------------------------


def _new_user(admin_client, password: str):
    return post_form(admin_client, "/admin/users/new", {
        "username": "ZhangSan", "password": password, "display_name": "张三", "role": "trainee", "team_id": "0",
    })


@pytest.mark.parametrize("password, message", REFUSED)
def test_admin_create_form_shows_the_reason_and_writes_nothing(signed_in, password, message):
    admin_client, _ = signed_in("admin")
    users, records = _count(User), _count(AuditRecord)
    response = _new_user(admin_client, password)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'value="张三"' in page  # the rest of the form is kept
    assert (_count(User), _count(AuditRecord)) == (users, records)


def test_admin_create_form_accepts_a_strong_password(app, signed_in):
    admin_client, _ = signed_in("admin")
    assert _new_user(admin_client, STRONG).status_code == 302
    assert login(app.test_client(), "zhangsan", STRONG).status_code == 302


@pytest.mark.parametrize("password, message", [
    ("welcome123", "这个密码太常见"), ("zhangsan2026", "密码不能是用户名"),
    ("99999999", "密码不能由同一个字符重复组成"), ("short", "密码至少 8 位"),
])
def test_admin_reset_form_checks_the_users_own_name(app, signed_in, make_user, password, message):
    admin_client, _ = signed_in("admin")
    user = make_user("trainee", username="zhangsan")
    response = post_form(admin_client, f"/admin/users/{user.id}/password", {"password": password},
                         page=f"/admin/users/{user.id}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert login(app.test_client(), "zhangsan", PASSWORD).status_code == 302  # the old password still works


def test_admin_reset_form_accepts_a_strong_password(app, signed_in, make_user):
    admin_client, _ = signed_in("admin")
    user = make_user("trainee", username="zhangsan")
    response = post_form(admin_client, f"/admin/users/{user.id}/password", {"password": STRONG},
                         page=f"/admin/users/{user.id}")
    assert response.status_code == 302
    assert login(app.test_client(), "zhangsan", STRONG).status_code == 302


@pytest.mark.parametrize("password, message", [
    ("iloveyou", "这个密码太常见"), ("zhangsan123", "密码不能是用户名"), ("nasgnahz", "密码不能是用户名"),
    ("xxxxxxxxxx", "密码不能由同一个字符重复组成"),
])
def test_own_password_change_is_refused_with_the_reason(app, signed_in, password, message):
    client, user = signed_in("trainee", username="zhangsan")
    response = post_form(client, "/account", {"current": PASSWORD, "new": password, "confirm": password})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert check_password_hash(db.session.get(User, user.id).password_hash, PASSWORD)


def test_own_password_change_accepts_a_strong_password(app, signed_in):
    client, _ = signed_in("trainee", username="zhangsan")
    response = post_form(client, "/account", {"current": PASSWORD, "new": STRONG, "confirm": STRONG})
    assert response.status_code == 302
    assert login(app.test_client(), "zhangsan", STRONG).status_code == 302


def test_the_password_forms_need_csrf(signed_in, make_user):
    admin_client, _ = signed_in("admin")
    user = make_user("trainee")
    admin_client.get(f"/admin/users/{user.id}")
    refused = admin_client.post(f"/admin/users/{user.id}/password", data={"password": STRONG})
    assert refused.status_code == 400
