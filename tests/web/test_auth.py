"""Sign-in, sign-out, rate limiting, CSRF, sessions — and the Chinese messages for each failure."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_from, login, post_form
from trainer.accounts.models import LoginAttempt, User
from trainer.extensions import db

HOMES = {"trainee": "/me", "supervisor": "/team", "hr": "/hr", "admin": "/admin"}


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_lands_on_its_home(client, make_user, role):
    user = make_user(role)
    response = login(client, user.username)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == HOMES[role]
    assert client.get(HOMES[role]).status_code == 200


def test_login_form_field_names_are_username_and_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in page
    assert 'name="password"' in page
    assert 'name="csrf_token"' in page


def test_username_is_case_and_space_insensitive(client, make_user):
    make_user("trainee", username="lin-xiaoyu")
    assert login(client, "  LIN-XiaoYu ").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_message(client, make_user):
    user = make_user("trainee")
    wrong = login(client, user.username, "not-the-password")
    unknown = login(client, "nobody-here", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/me").status_code == 302  # still signed out


def test_disabled_account_is_refused_with_its_own_message(client, make_user):
    user = make_user("trainee")
    user.active = False
    db.session.commit()
    response = login(client, user.username)
    assert response.status_code == 403
    assert "该账号已停用" in response.get_data(as_text=True)


def test_disabled_account_message_is_not_shown_for_a_wrong_password(client, make_user):
    user = make_user("trainee")
    user.active = False
    db.session.commit()
    response = login(client, user.username, "guess")
    assert "用户名或密码错误" in response.get_data(as_text=True)


ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
OFFICE = {"REMOTE_ADDR": "198.51.100.7"}


def _age_attempts(seconds: float) -> None:
    """Move every recorded sign-in attempt `seconds` into the past, as if time had passed."""
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.at -= timedelta(seconds=seconds)
    db.session.commit()


def test_rule_failures_from_one_address_slow_that_address_down_even_for_the_right_password(client, make_user, app):
    user = make_user("trainee")
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert login(client, user.username, "wrong", environ_base=ATTACKER).status_code == 400
    throttled = login(client, user.username, environ_base=ATTACKER)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) == app.config["LOGIN_DELAY"].total_seconds()
    assert "失败次数过多" in throttled.get_data(as_text=True)
    assert client.get("/me").status_code == 302


def test_rule_someone_elses_failures_never_lock_the_real_user_out(client, make_user, app):
    """Known defect 3: five wrong passwords from anywhere used to lock the real user out for 15 minutes."""
    user = make_user("trainee")
    for n in range(12):
        login(client, user.username, "wrong", environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})
    assert login(client, user.username, environ_base=OFFICE).status_code == 302


def test_rule_the_delay_doubles_and_then_lets_the_next_try_through(client, make_user, app):
    user = make_user("trainee")
    free, first = app.config["LOGIN_FREE_FAILURES"], app.config["LOGIN_DELAY"].total_seconds()
    for _ in range(free):
        login(client, user.username, "wrong", environ_base=ATTACKER)
    _age_attempts(first + 1)
    assert login(client, user.username, "wrong", environ_base=ATTACKER).status_code == 400  # the wait is over
    again = login(client, user.username, environ_base=ATTACKER)
    assert again.status_code == 429
    assert int(again.headers["Retry-After"]) == 2 * first
    _age_attempts(2 * first + 1)
    assert login(client, user.username, environ_base=ATTACKER).status_code == 302


def test_rule_the_failure_window_expires(client, make_user, app):
    user = make_user("trainee")
    for _ in range(app.config["LOGIN_FREE_FAILURES"] + 3):
        login(client, user.username, "wrong", environ_base=ATTACKER)
    _age_attempts(app.config["LOGIN_FAILURE_WINDOW"].total_seconds() + 60)
    assert login(client, user.username, environ_base=ATTACKER).status_code == 302


def test_rule_a_shared_address_slows_strangers_but_lets_its_regular_users_in(client, make_user, app):
    """Known defect 3: 30 failures from a call centre's NAT address used to lock out everyone behind it."""
    app.config["LOGIN_ADDRESS_FREE_FAILURES"] = 6
    regular, newcomer = make_user("trainee"), make_user("trainee")
    assert login(client, regular.username, environ_base=OFFICE).status_code == 302
    post_form(client, "/logout", {}, page="/me")
    for n in range(6):
        login(client, f"guess-{n}", "wrong", environ_base=OFFICE)
    assert login(client, newcomer.username, environ_base=OFFICE).status_code == 429
    assert login(client, regular.username, environ_base=OFFICE).status_code == 302


def test_rule_repeated_failures_are_told_to_the_user_and_to_admins(client, make_user, app):
    user = make_user("trainee")
    admin = make_user("admin")
    for n in range(app.config["LOGIN_ALERT_FAILURES"]):
        login(client, user.username, "wrong", environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})
    response = login(client, user.username, environ_base=OFFICE, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "次密码错误的登录尝试" in page and "203.0.113.0" in page
    assert "203.0.113.4" in client.get("/account").get_data(as_text=True)
    post_form(client, "/logout", {}, page="/me")
    # told once: the next sign-in is quiet
    assert "次密码错误" not in login(client, user.username, environ_base=OFFICE,
                                       follow_redirects=True).get_data(as_text=True)
    post_form(client, "/logout", {}, page="/me")
    login(client, admin.username)
    security = client.get("/admin/security").get_data(as_text=True)
    assert user.username in security and str(app.config["LOGIN_ALERT_FAILURES"]) in security


def test_missing_csrf_token_is_refused_in_chinese(client, make_user):
    user = make_user("trainee")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "表单已失效" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_logout_needs_post_with_csrf(signed_in):
    client, _ = signed_in("trainee")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/me").status_code == 200
    response = post_form(client, "/logout", {}, page="/me")
    assert response.status_code == 302
    assert client.get("/me").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user("trainee")
    response = login(client, user.username)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_idle_session_expires_with_a_message(signed_in, app):
    from trainer.accounts.models import UserSession

    client, _ = signed_in("trainee")
    for record in db.session.scalars(select(UserSession)):
        record.last_seen_at -= app.config["SESSION_IDLE_TIMEOUT"] + timedelta(seconds=60)
    db.session.commit()
    response = client.get("/me")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "会话已过期" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/me").status_code == 302


def test_anonymous_user_is_sent_to_login_with_next(client):
    response = client.get("/hr")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/hr"


def test_login_follows_only_local_next(client, make_user):
    user = make_user("hr")
    token = csrf_from(client, "/login")
    data = {"username": user.username, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login?next=//evil.example/x", data=data).headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_from(client, "/hr")})
    token = csrf_from(client, "/login")
    response = client.post("/login?next=/competency/model", data={**data, "csrf_token": token})
    assert response.headers["Location"] == "/competency/model"


def test_huge_field_is_refused_with_413_and_nothing_written(client, make_user):
    make_user("trainee")
    users_before = db.session.scalar(select(func.count()).select_from(User))
    token = csrf_from(client, "/login")
    response = client.post(
        "/login", data={"username": "x" * (10 * 1024 * 1024), "password": "p", "csrf_token": token}
    )
    assert response.status_code == 413
    assert "提交的内容太大" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before


def test_long_username_gets_a_field_error(client):
    token = csrf_from(client, "/login")
    response = client.post("/login", data={"username": "x" * 100, "password": "p", "csrf_token": token})
    assert response.status_code == 400
    assert "用户名过长" in response.get_data(as_text=True)


def test_password_reset_by_admin_ends_existing_sessions(client, make_user, app):
    from trainer.accounts import services

    user = make_user("trainee")
    login(client, user.username)
    assert client.get("/me").status_code == 200
    services.reset_password(user, "a-brand-new-pass")
    assert client.get("/me").status_code == 302


def test_not_found_page_is_in_chinese(signed_in):
    client, _ = signed_in("trainee")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "找不到您要访问的页面" in response.get_data(as_text=True)
