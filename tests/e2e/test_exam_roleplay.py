"""In a real browser: HR sets an exam, a trainee takes it (autosave survives a reload), and a trainee plays a
scenario to a resolved ending and another to an escalation."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import new_trainee, sign_in

pytestmark = pytest.mark.e2e


def test_exam_end_to_end_with_autosave(browser, live_server):
    hr = browser.new_context(locale="zh-CN").new_page()
    sign_in(hr, live_server, "demo-hr")
    hr.goto(f"{live_server}/exams/manage/new")
    hr.fill("input[name=title]", "浏览器测试考卷")
    hr.fill("textarea[name=question_ids]", "fx-single fx-fill fx-tf")
    hr.uncheck("input[name=shuffle_questions]")
    hr.uncheck("input[name=shuffle_options]")
    hr.click("main button:has-text('创建试卷')")
    assert "已创建试卷" in hr.locator(".flash").inner_text()

    page = browser.new_context(locale="zh-CN").new_page()
    sign_in(page, live_server, new_trainee("e2e-exam"))
    page.goto(f"{live_server}/exams/")
    page.locator("#papers tr", has_text="浏览器测试考卷").locator("button").click()
    page.check("input[name=q_fx_single][value='0']")
    page.fill("input[name=q_fx_fill]", "十")
    expect(page.locator("#save-status")).to_have_text(re.compile("^已保存"))
    page.reload()  # a refresh (or a crash) loses nothing
    assert page.locator("input[name=q_fx_single][value='0']").is_checked()
    assert page.locator("input[name=q_fx_fill]").input_value() == "十"
    page.goto(f"{live_server}/courses/")  # closed book: sent back to the exam
    assert "闭卷考试进行中" in page.locator(".flash").inner_text()
    page.check("input[name=q_fx_tf][value='false']")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("main button:has-text('交卷')")
    page.wait_for_url("**/result")
    assert page.locator("#exam-score").inner_text() == "100.0"
    assert page.locator(".explanation").count() == 3


def play(page, live_server, replies):
    page.goto(f"{live_server}/roleplay/")
    page.locator(".scenario-card", has_text="测试情景：楼上漏水").locator("button").click()
    for reply in replies:
        page.fill("textarea[name=text]", reply)
        page.click("form.reply-form button[type=submit]")
        page.wait_for_load_state()


def test_roleplay_resolved(page, live_server):
    sign_in(page, live_server, new_trainee("e2e-resolved"))
    play(page, live_server, [
        "王女士，非常抱歉给您添麻烦了，请您放心，我们马上处理，谢谢您告诉我们。",
        "维修师傅30分钟内上门，请您放心。",
    ])
    assert page.locator("#outcome").inner_text().startswith("已解决")
    assert page.locator(".bubble.trainee").count() == 2
    assert page.locator("form.reply-form").count() == 0


def test_roleplay_escalation(page, live_server):
    sign_in(page, live_server, new_trainee("e2e-escalated"))
    play(page, live_server, ["这事我们不管，你自己找楼上。", "有本事你去告！"])
    assert page.locator("#outcome").inner_text().startswith("升级到主管")
    assert "忌语「我们不管」" in page.locator(".bubble.trainee").first.inner_text()
    assert "叫你们领导来" in page.locator(".bubble.customer").last.inner_text()
