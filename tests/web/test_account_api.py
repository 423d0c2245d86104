"""The account page, API tokens, and the token-only JSON API."""

from tests.conftest import PASSWORD, login, post_form
from trainer.accounts import services
from trainer.competency import services as competency


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_change_password_keeps_this_session_and_ends_others(app, signed_in):
    client, user = signed_in("trainee")
    other = app.test_client()
    login(other, user.username)
    response = post_form(client, "/account", {"current": PASSWORD, "new": "new-pass-123", "confirm": "new-pass-123"})
    assert response.status_code == 302
    assert client.get("/me").status_code == 200
    assert other.get("/me").status_code == 302
    assert login(app.test_client(), user.username, "new-pass-123").status_code == 302


def test_change_password_errors(signed_in):
    client, _ = signed_in("trainee")
    wrong = post_form(client, "/account", {"current": "nope", "new": "new-pass-123", "confirm": "new-pass-123"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    mismatch = post_form(client, "/account", {"current": PASSWORD, "new": "new-pass-123", "confirm": "other-123"})
    assert mismatch.status_code == 400 and "两次输入的新密码不一致" in mismatch.get_data(as_text=True)


def test_token_page_shows_a_new_token_once_and_it_works(signed_in):
    client, user = signed_in("trainee")
    page = post_form(client, "/account/token", {}, page="/account").get_data(as_text=True)
    token = page.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("trn_")
    assert token not in client.get("/account").get_data(as_text=True)
    api = client.application.test_client()
    me = api.get("/api/v1/me", headers=_bearer(token))
    assert me.status_code == 200
    assert me.get_json()["username"] == user.username


def test_regenerating_invalidates_the_old_token_and_revoke_removes_it(signed_in):
    client, user = signed_in("trainee")
    first = services.issue_api_token(user)
    second = services.issue_api_token(user)
    api = client.application.test_client()
    assert api.get("/api/v1/me", headers=_bearer(first)).status_code == 401
    assert api.get("/api/v1/me", headers=_bearer(second)).status_code == 200
    post_form(client, "/account/token/revoke", {}, page="/account")
    assert api.get("/api/v1/me", headers=_bearer(second)).status_code == 401


def test_api_without_token_is_401_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"].startswith("缺少或无效的 API 令牌")


def test_api_ignores_the_session_cookie(signed_in):
    client, _ = signed_in("hr")
    assert client.get("/api/v1/me").status_code == 401


def test_api_refuses_tokens_of_disabled_users(make_user, client):
    user = make_user("hr")
    token = services.issue_api_token(user)
    user.active = False
    services.db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401


def test_api_profile_follows_the_same_visibility_rules(make_user, make_team, client):
    lead = make_user("supervisor")
    team = make_team("一组", [lead])
    mine, other = make_user("trainee", team=team), make_user("trainee")
    competency.record_evidence(agent=mine, indicator_id="communication", value=80, source_kind="practice")
    token = services.issue_api_token(lead)
    ok = client.get(f"/api/v1/agents/{mine.id}/profile", headers=_bearer(token))
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["index"] == 80.0
    assert len(body["indicators"]) == 11
    assert client.get(f"/api/v1/agents/{other.id}/profile", headers=_bearer(token)).status_code == 403
    assert client.get("/api/v1/agents/999999/profile", headers=_bearer(token)).status_code == 404


def test_api_role_check_applies_to_tokens(make_user, client):
    admin = make_user("admin")
    agent = make_user("trainee")
    token = services.issue_api_token(admin)
    response = client.get(f"/api/v1/agents/{agent.id}/profile", headers=_bearer(token))
    assert response.status_code == 403
    assert response.get_json()["error"] == "该令牌的用户无权执行此操作。"
