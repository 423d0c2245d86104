"""Each demo role signs in through a real browser and reaches its own home page."""

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

HOMES = [
    ("demo-trainee", "/me", "你好，林小雨"),
    ("demo-supervisor", "/team", "我的团队"),
    ("demo-hr", "/hr", "人员能力总览"),
    ("demo-admin", "/admin", "管理首页"),
]


@pytest.mark.parametrize(("username", "path", "heading"), HOMES)
def test_demo_role_reaches_its_home(page, live_server, username, path, heading):
    sign_in(page, live_server, username)
    page.wait_for_url(f"{live_server}{path}")
    assert page.locator("h1").first.inner_text() == heading
    assert page.locator(".flash.success").inner_text().startswith("欢迎回来")


def test_wrong_password_shows_the_error_next_to_the_field(page, live_server):
    sign_in(page, live_server, "demo-trainee", "not-the-password")
    assert page.locator(".field.has-error .errors").inner_text() == "用户名或密码错误。"
    assert page.url.endswith("/login")


def test_trainee_profile_shows_eleven_indicators_and_a_radar(page, live_server):
    sign_in(page, live_server, "demo-trainee")
    page.click("text=能力档案")
    page.wait_for_load_state()
    assert page.locator("#indicator-table tr[data-indicator]").count() == 11, page.url
    page.wait_for_selector("#radar svg")
    assert page.locator("#radar svg").count() == 1


def test_supervisor_opens_a_team_members_profile_and_logs_out(page, live_server):
    sign_in(page, live_server, "demo-supervisor")
    page.click(".agents-table a:has-text('张晓雯')")
    assert page.locator("h1").inner_text() == "张晓雯 的能力档案"
    page.click("button:has-text('退出')")
    page.wait_for_url(f"{live_server}/login")
    assert "您已安全退出" in page.locator(".flash").inner_text()
