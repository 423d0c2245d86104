"""In a real browser: a trainee answers an exam with a matching, a numerical and an essay question (after a
description), sees 待批阅, a supervisor grades the essay in the review queue, and the trainee sees the final
result."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import new_trainee, sign_in

pytestmark = pytest.mark.e2e

ESSAY = "非常抱歉让您久等了，超时是我们的问题。工程部师傅已经检测过，下午三点前我再给您回电话说明结果。"
RIGHT = {0: "10 分钟内", 1: "30 分钟内", 2: "每 2 小时", 3: "24 小时内"}


def test_matching_numerical_and_an_essay_graded_by_a_supervisor(browser, live_server):
    hr = browser.new_context(locale="zh-CN").new_page()
    sign_in(hr, live_server, "demo-hr")
    hr.goto(f"{live_server}/exams/manage/new")
    hr.fill("input[name=title]", "工单时限浏览器测验")
    hr.fill("textarea[name=question_ids]", "wo-intro wo-match-deadlines wo-num-followup wo-essay-overdue")
    hr.click("main button:has-text('创建试卷')")
    assert "已创建试卷" in hr.locator(".flash").inner_text()

    page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()  # a phone
    sign_in(page, live_server, new_trainee("e2e-types"))
    page.goto(f"{live_server}/exams/")
    page.locator("#papers tr", has_text="工单时限浏览器测验").locator("button").click()
    expect(page.locator(".card.description")).to_contain_text("工单流转的顺序")
    for item, answer in RIGHT.items():
        select = page.locator(f"select[name=q_wo_match_deadlines-{item}]")
        if item == 3:  # by keyboard: focus the select, then pick the answer
            select.focus()
        select.select_option(label=answer if item != 3 else "3 个工作日内")
    page.fill("input[name=q_wo_num_followup]", "２４")
    page.fill("textarea[name=q_wo_essay_overdue]", ESSAY)
    expect(page.locator("#save-status")).to_have_text(re.compile("^已保存"))
    page.reload()  # autosave kept the selects too
    assert page.locator("select[name=q_wo_match_deadlines-1]").input_value() != ""
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("main button:has-text('交卷')")
    page.wait_for_url("**/result")
    expect(page.locator("#exam-score")).to_have_text("待批阅")
    expect(page.locator("#result-wo-match-deadlines")).to_contain_text("部分正确 75%")
    expect(page.locator("#result-wo-num-followup")).to_contain_text("正确")
    expect(page.locator("#result-wo-essay-overdue")).to_contain_text("待批阅")

    lead = browser.new_context(locale="zh-CN").new_page()
    sign_in(lead, live_server, "demo-supervisor")
    lead.goto(f"{live_server}/review/queue?kind=exam_essay")
    lead.locator("tr", has_text="e2e-types").locator("a:has-text('评分')").click()
    expect(lead.locator("main")).to_contain_text("参考答案（仅批阅人可见）")
    lead.fill("input[name=override_score]", "80")
    lead.click("main button:has-text('保存评分')")
    expect(lead.locator(".flash")).to_contain_text("评分")

    page.reload()
    # (0.75 + 1 + 0.8) / 3
    expect(page.locator("#exam-score")).to_have_text("85.0")
    expect(page.locator("#result-wo-essay-overdue")).to_contain_text("批阅得分 80")
    assert "参考答案（仅批阅人可见）" not in page.content()
