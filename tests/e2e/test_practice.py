"""A trainee practises a complaint reply in a real browser and sees the marked-up result."""

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_trainee_practises_and_sees_highlights(page, live_server):
    sign_in(page, live_server, "demo-trainee")
    page.click("nav >> text=话术练习")
    page.select_option("select[name=script]", "complaint")
    page.fill("textarea[name=text]", "對不起，這事我們不管，您找開發商吧。")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/practice/*")
    banned = page.locator(".reply-view mark.hl.banned")
    assert banned.count() == 1
    assert banned.inner_text() == "我們不管"
    assert "建议" in banned.get_attribute("data-tip")
    assert page.locator(".reply-view mark.hl.polite").first.inner_text() == "對不起"
    assert "不合格" in page.locator(".stat").first.inner_text()
    assert "安抚与承诺" in page.locator("#missing-list").inner_text()


def test_empty_reply_is_refused_with_a_field_error(page, live_server):
    sign_in(page, live_server, "demo-trainee")
    page.goto(f"{live_server}/practice/")
    page.click("main button[type=submit]")
    assert page.locator(".field.has-error .errors").inner_text() == "请先写下你的回复"
