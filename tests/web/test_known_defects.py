"""The known defects of the hardening issue, one test (or a few) each; every one of them failed before its fix.

Sign-in throttling (defect 3) is tested with the rest of sign-in in test_auth.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from tests.conftest import BASE_CONFIG, PASSWORD, ROOT, csrf_from, login, post_form
from trainer import create_app
from trainer.accounts import services as accounts
from trainer.assessment.models import BankQuestion
from trainer.extensions import db
from trainer.health import expected_revision
from trainer.roleplay.models import RoleplaySession, RoleplayTurn

TEMPLATES = ROOT / "trainer" / "templates"


# --- 1. open redirect --------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%0A/x", "/%0D%0A/x", "//evil.example", "/\\evil.example", "/%5Cevil.example",
    "https://evil.example/", "/ /evil.example", "/%00/x", "javascript:alert(1)",
])
def test_defect_1_login_never_redirects_off_site_or_fails(client, make_user, target):
    user = make_user("hr")
    token = csrf_from(client, "/login")
    response = client.post(f"/login?next={target}", data={"username": user.username, "password": PASSWORD,
                                                           "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_defect_1_same_site_paths_are_still_followed(client, make_user):
    user = make_user("hr")
    response = login(client, user.username, query_string={"next": "/competency/model?method=latest"})
    assert response.headers["Location"] == "/competency/model?method=latest"


# --- 2. logout ends the session ----------------------------------------------------------------------


def _copy_of(client, app):
    """A second browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_defect_2_a_cookie_copied_before_logout_is_worthless_after_it(app, signed_in):
    client, _ = signed_in("hr")
    thief = _copy_of(client, app)
    assert thief.get("/hr").status_code == 200
    post_form(client, "/logout", {}, page="/hr")
    response = thief.get("/hr")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_defect_2_sign_out_other_devices_ends_every_other_session(app, make_user):
    user = make_user("hr")
    here, phone, laptop = app.test_client(), app.test_client(), app.test_client()
    for browser in (here, phone, laptop):
        assert login(browser, user.username).status_code == 302
    copy = _copy_of(here, app)
    page = here.get("/account").get_data(as_text=True)
    assert "退出其他设备" in page and page.count("<tr>") >= 4  # header + three devices
    response = post_form(here, "/account/sessions/end-others", {}, page="/account", follow_redirects=True)
    assert "已退出其他 2 个设备" in response.get_data(as_text=True)
    assert phone.get("/hr").status_code == 302 and laptop.get("/hr").status_code == 302
    assert here.get("/hr").status_code == 200 and copy.get("/hr").status_code == 200  # this device stays


def test_defect_2_changing_the_password_ends_the_other_sessions(app, make_user):
    user = make_user("trainee")
    here, other = app.test_client(), app.test_client()
    login(here, user.username)
    login(other, user.username)
    post_form(here, "/account", {"current": PASSWORD, "new": "another-pass-77", "confirm": "another-pass-77"})
    assert here.get("/me").status_code == 200
    assert other.get("/me").status_code == 302


# --- 4. ids too large for the database ---------------------------------------------------------------


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        names = [name for name, conv in rule._converters.items() if type(conv).__name__ == "BoundedIntConverter"]
        if names:
            yield rule, names


def test_defect_4_every_int_converter_is_bounded(app):
    assert any(True for _ in _int_rules(app))
    for rule in app.url_map.iter_rules():
        for conv in rule._converters.values():
            assert type(conv).__name__ != "IntegerConverter", rule.rule


@pytest.mark.parametrize("big", [2**63, 2**64, 10**30])
def test_defect_4_huge_ids_are_404_on_every_route(app, signed_in, big):
    client, user = signed_in("hr")
    api_headers = {"Authorization": f"Bearer {accounts.issue_api_token(user)}"}
    token = csrf_from(client, "/hr")
    checked = 0
    for rule, names in _int_rules(app):
        values = {name: big for name in names}
        for name in rule.arguments - set(names):
            values[name] = "x"
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if url.startswith("/api/"):
                response = client.open(url, method=method, headers=api_headers, json={})
            else:
                response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (method, url, response.status_code)
            checked += 1
    assert checked >= 15


# --- 5. deeply nested JSON ---------------------------------------------------------------------------


DEEP = "[" * 50_000 + "]" * 50_000
NESTED: dict = {"text": "x"}
for _ in range(40):
    NESTED = {"text": [NESTED]}


@pytest.fixture
def api_trainee(app, make_user, fixture_content):
    user = make_user("trainee")
    return app.test_client(), {"Authorization": f"Bearer {accounts.issue_api_token(user)}"}, user


@pytest.mark.parametrize("body", [DEEP, '{"id": 1, "text": ' + DEEP + "}"])
def test_defect_5_deep_json_is_400_on_every_json_endpoint(api_trainee, body):
    client, headers, _ = api_trainee
    started = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"}, headers=headers)
    session = started.get_json()["session"]
    for url in ("/api/v1/score", "/api/v1/roleplay/sessions", f"/api/v1/roleplay/sessions/{session}/turns"):
        response = client.post(url, data=body, content_type="application/json", headers=headers)
        assert response.status_code == 400, url
        assert response.get_json()["status"] == 400


def test_defect_5_nested_values_are_refused_not_crashed_on(api_trainee):
    client, headers, _ = api_trainee
    assert client.post("/api/v1/score", json=NESTED, headers=headers).status_code == 400


# --- 6. a huge GIFT upload ---------------------------------------------------------------------------


def _tiny_questions(size: int) -> bytes:
    chunks, total, n = [], 0, 0
    while total < size:
        chunk = f"::t{n}:: 题{n} {{T}}\n\n".encode()
        chunks.append(chunk)
        total += len(chunk)
        n += 1
    return b"".join(chunks)


def _gift_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(BankQuestion)
                             .where(BankQuestion.source_path.startswith("gift:")))


def test_defect_6_a_7mb_gift_upload_is_refused_with_a_message_and_imports_nothing(app, signed_in):
    import io

    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    client, _ = signed_in("admin")
    token = csrf_from(client, "/admin/questions")
    fields = MultiDict({"csrf_token": token, "category": "imported", "indicators": "product_knowledge",
                        "difficulty": "3"})
    fields.add("file", FileStorage(io.BytesIO(_tiny_questions(7 * 1024 * 1024)), filename="huge.gift"))
    boundary, body = encode_multipart(fields)  # in memory: the test client would leave a temp file open
    response = client.post("/admin/questions", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert "超过单次导入上限 2000 道" in response.get_data(as_text=True)
    assert _gift_rows() == 0


def test_defect_6_the_cli_refuses_the_same_file(app, runner, tmp_path):
    path = tmp_path / "huge.gift"
    path.write_bytes(_tiny_questions(200_000))
    result = runner.invoke(args=["questions", "import", str(path)])
    assert result.exit_code == 1
    assert "超过单次导入上限" in result.output
    assert _gift_rows() == 0


# --- 7. security headers -----------------------------------------------------------------------------


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("path", ["/login", "/no/such/page", "/healthz", "/api/v1/me", "/static/css/app.css"])
def test_defect_7_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    response.close()
    directives = _csp(response)
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_defect_7_signed_in_pages_too(signed_in):
    client, _ = signed_in("hr")
    response = client.get("/hr")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_defect_7_hsts_and_secure_cookies_when_configured(app_config, make_user):
    secure = create_app({**app_config, "SESSION_COOKIE_SECURE": True})
    client = secure.test_client()
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert secure.config["REMEMBER_COOKIE_SECURE"] is True


def test_defect_7_templates_hold_no_inline_script_or_handler():
    """The policy forbids inline script: any that crept into a template would silently stop working."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\son[a-z]+\s*=", r"javascript:"):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in re.finditer(pattern, source)]
    assert offenders == []


# --- 8. double submit --------------------------------------------------------------------------------


CALM = "王女士，非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您告诉我们。"


def test_defect_8_ten_identical_replies_with_after_make_one_turn(api_trainee):
    client, headers, _ = api_trainee
    session = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"},
                          headers=headers).get_json()["session"]
    url = f"/api/v1/roleplay/sessions/{session}/turns"
    codes = [client.post(url, json={"text": CALM, "after": 0}, headers=headers).status_code for _ in range(10)]
    assert codes == [200] + [409] * 9
    stale = client.post(url, json={"text": CALM, "after": 0}, headers=headers).get_json()
    assert stale["code"] == "roleplay.stale"
    assert db.session.scalar(select(func.count()).select_from(RoleplayTurn).where(
        RoleplayTurn.session_id == session, RoleplayTurn.role == "trainee")) == 1
    # the next turn, with the count the client has now seen, goes through
    assert client.post(url, json={"text": "维修师傅30分钟内上门，请您放心。", "after": 1},
                       headers=headers).status_code == 200


@pytest.mark.parametrize("after", [-1, "1", 1.5, True, None])
def test_defect_8_after_must_be_a_count(api_trainee, after):
    client, headers, _ = api_trainee
    session = client.post("/api/v1/roleplay/sessions", json={"scenario": "fixture-leak"},
                          headers=headers).get_json()["session"]
    body = {"text": CALM} if after is None else {"text": CALM, "after": after}
    response = client.post(f"/api/v1/roleplay/sessions/{session}/turns", json=body, headers=headers)
    assert response.status_code == (200 if after is None else 400)


def test_defect_8_the_page_sends_after_and_a_double_click_makes_one_turn(app, signed_in, fixture_content):
    client, user = signed_in("trainee")
    start = post_form(client, "/roleplay/start/fixture-leak", {}, page="/roleplay/")
    url = start.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<input[^>]*name="after"[^>]*value="0"', page)
    token = csrf_from(client, url)
    first = client.post(url, data={"csrf_token": token, "text": CALM, "after": "0"})
    second = client.post(url, data={"csrf_token": token, "text": CALM, "after": "0"})
    assert first.status_code == 302 and second.status_code == 302
    session = db.session.scalar(select(RoleplaySession).where(RoleplaySession.user_id == user.id))
    assert session.turns_taken == 1
    # a different reply from a stale tab is refused but kept in the box
    stale = client.post(url, data={"csrf_token": token, "text": "另一句话，请您放心。", "after": "0"})
    assert stale.status_code == 409
    assert "另一句话，请您放心。" in stale.get_data(as_text=True)


# --- 9. health that tells the truth ------------------------------------------------------------------


def test_defect_9_healthz_is_ok_on_a_writable_current_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


@pytest.fixture
def read_only(app):
    """Make every new connection of this app refuse writes, as a read-only database or replica does."""

    def _ro(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if "sqlite" in type(dbapi_connection).__module__:
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_connection.commit()  # SET is transactional in PostgreSQL
        cursor.close()

    def _reset():
        db.session.remove()
        db.engine.dispose()

    def switch_on():
        _reset()
        event.listen(db.engine, "connect", _ro)

    yield switch_on
    if event.contains(db.engine, "connect", _ro):
        event.remove(db.engine, "connect", _ro)
    _reset()


def test_defect_9_a_read_only_database_is_503_on_health_and_on_sign_in(app, client, make_user, read_only):
    username = make_user("trainee").username
    read_only()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["problem"] == "write"
    response = login(client, username)
    assert response.status_code == 503
    assert "数据库暂时无法使用" in response.get_data(as_text=True)
    assert response.headers["Retry-After"]


def test_defect_9_a_database_behind_the_code_is_503(app, client):
    db.session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["problem"] == "schema"
    db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": expected_revision()})
    db.session.commit()
    assert client.get("/healthz").status_code == 200


# --- 10. GIFT into a fresh database ------------------------------------------------------------------


def test_defect_10_gift_import_works_on_a_database_never_synced(tmp_path):
    from flask_migrate import upgrade

    fresh = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
                        "INSTANCE_PATH": tmp_path / "instance"})
    with fresh.app_context():
        upgrade()
    result = fresh.test_cli_runner().invoke(
        args=["questions", "import", str(Path(ROOT) / "question_bank" / "gift" / "sample.gift")])
    assert result.exit_code == 0, result.output
    assert "no content yet" in result.output
    assert result.output.strip().splitlines()[-1].startswith("imported 12")
    with fresh.app_context():
        assert db.session.scalar(select(func.count()).select_from(BankQuestion)
                                 .where(BankQuestion.source_path.startswith("gift:"))) == 12
        db.session.remove()
        db.engine.dispose()
