"""A trainee takes a micro-course end to end in a real browser: enrol, segments, practice, quiz, survey."""

import pytest

from tests.e2e.conftest import new_trainee, sign_in

pytestmark = pytest.mark.e2e


def test_trainee_completes_a_course(page, live_server):
    sign_in(page, live_server, new_trainee("e2e-course-1"))
    page.goto(f"{live_server}/courses/")
    page.click("#catalogue >> text=测试课程：接听电话")
    page.click("main button:has-text('报名学习')")
    page.wait_for_url(f"{live_server}/courses/sample-course/learn/0")
    shown = page.locator("#timer").inner_text()  # read once: the timer may tick between two readings
    assert shown.startswith("19:") or shown == "20:00", shown
    assert page.locator(".prose table").count() == 1
    page.click("text=下一环节 →")
    page.fill("textarea[name=text]", "您好，阳光物业客服中心，我姓周，请问有什么可以帮您？")
    page.click("article form button[type=submit]")
    assert page.locator(".practice-result .badge").first.inner_text().endswith("分")
    assert "✓ 报出姓氏" in page.locator(".practice-result").inner_text()
    page.click("text=下一环节 →")
    page.click("text=开始测验")
    page.check("input[name=q_fx_single][value='0']")
    page.fill("input[name=q_fx_fill]", "10")
    page.check("input[name=q_fx_tf][value='false']")
    page.click("main button:has-text('交卷')")
    page.wait_for_url(f"{live_server}/courses/sample-course/feedback")
    assert "恭喜完成" in page.locator(".flash.success").last.inner_text()
    page.check("input[name=rating][value='5']")
    page.fill("textarea[name=comment]", "案例很贴近工作")
    page.click("main button:has-text('提交评价')")
    assert "感谢你的评价" in page.locator(".flash").inner_text()
    assert "已完成" in page.locator(".page-head").inner_text()


def test_rule_course_progress_is_kept_and_learning_resumes_where_the_trainee_left_off(page, live_server):
    sign_in(page, live_server, new_trainee("e2e-course-2"))
    page.goto(f"{live_server}/courses/sample-course")
    page.click("main button:has-text('报名学习')")
    page.click("text=下一环节 →")
    page.wait_for_url(f"{live_server}/courses/sample-course/learn/1")
    page.goto(f"{live_server}/me")
    page.goto(f"{live_server}/courses/sample-course")
    # the course page shows the two segments seen, the quiz still to do, and offers to continue, not to enrol
    outline = page.locator("main ol.outline li")
    assert outline.count() == 3
    assert [outline.nth(i).locator(".tick").count() for i in range(3)] == [1, 1, 0]
    assert page.locator("main button:has-text('报名学习')").count() == 0
    assert "测验 未完成" in page.locator("main").inner_text()
    page.click("text=继续学习")
    page.wait_for_url(f"{live_server}/courses/sample-course/learn/1")
    assert page.locator("article.segment h1").inner_text() == "写一写"
    assert page.locator(".outline li.current a").inner_text() == "写一写"
    assert page.locator(".outline li.done a").all_inner_texts() == ["为什么要规范", "写一写"]
