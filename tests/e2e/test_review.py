"""In a real browser: a supervisor grades a role-play transcript (ratings, one hit judged wrong, an override
with its reason); the trainee sees it, acknowledges and disputes; a second supervisor decides; three graders
calibrate on the same transcript and the results show kappa and ICC."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LIVE, new_trainee, sign_in

pytestmark = pytest.mark.e2e

RUDE = "这事我们不管，你自己找楼上。"
WORSE = "有本事你去告！"


def _second_supervisor(username: str) -> str:
    """Another supervisor of 客服一组, so a dispute there goes to them rather than to HR."""
    from trainer.accounts import services as accounts

    with LIVE["app"].app_context():
        team = next(t for t in accounts.all_teams() if t.name == "客服一组")
        second = accounts.create_user(username=username, password="demo-pass-2026", role="supervisor",
                                      display_name="主管 孙悦")
        accounts.save_team(team, name=team.name, description=team.description,
                           supervisors=[*team.supervisors, second])
    return username


def _play_rude(browser, live_server, username):
    page = browser.new_context(locale="zh-CN").new_page()
    sign_in(page, live_server, new_trainee(username))
    page.goto(f"{live_server}/roleplay/")
    page.locator(".scenario-card", has_text="测试情景：楼上漏水").locator("button").click()
    for reply in (RUDE, WORSE):
        page.fill("textarea[name=text]", reply)
        page.click("form.reply-form button[type=submit]")
        page.wait_for_load_state()
    expect(page.locator("#outcome")).to_contain_text("升级到主管")
    return page


def _open_item_from_queue(page, live_server, trainee_name):
    page.goto(f"{live_server}/review/queue?flagged=1")
    row = page.locator("#queue tbody tr", has_text=trainee_name).first
    expect(row).to_contain_text("升级投诉")
    row.locator("a.btn").click()
    page.wait_for_url(re.compile(r".*/review/items/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_grade_dispute_decide(browser, live_server):
    trainee_page = _play_rude(browser, live_server, "e2e-review-agent")
    second = _second_supervisor("e2e-second-lead")

    lead = browser.new_context(locale="zh-CN").new_page()
    sign_in(lead, live_server, "demo-supervisor")
    item_id = _open_item_from_queue(lead, live_server, "e2e-review-agent")
    lead.select_option("select[name=r_communication]", "1")
    lead.select_option("select[name=r_understanding_needs]", "2")
    hit = lead.locator("#hit-1")
    expect(hit).to_contain_text("服务忌语")
    hit.locator("input[value=wrong]").check()
    hit.locator("input.note").fill("“我们不管”是在转述楼上住户的话")
    lead.fill("textarea[name=comment]", "先道歉，再说清楚谁去处理。")
    lead.locator("summary", has_text="修改系统评分").click()
    lead.fill("input[name=override_score]", "35")
    lead.click("button:has-text('保存评分')")  # no reason yet: refused, nothing lost
    expect(lead.locator(".errors").first).to_contain_text("修改系统评分必须写明理由")
    expect(lead.locator("textarea[name=comment]")).to_have_value("先道歉，再说清楚谁去处理。")
    lead.fill("textarea[name=override_reason]", "第二句已经激化矛盾，整体不及格")
    lead.click("button:has-text('保存评分')")
    expect(lead.locator(".flash.success")).to_contain_text("评分已保存")
    expect(lead.locator("#final-score")).to_have_text("35.0")
    expect(lead.locator("#hit-1")).to_contain_text("主管：机检错误")
    expect(lead.locator("#audit")).to_contain_text("改分")

    trainee_page.goto(f"{live_server}/review/mine")
    trainee_page.locator("#my-reviews a", has_text="查看").first.click()
    expect(trainee_page.locator("#current-grade")).to_contain_text("先道歉，再说清楚谁去处理。")
    expect(trainee_page.locator("#current-grade")).to_contain_text("第二句已经激化矛盾")
    trainee_page.click("button:has-text('我已阅读')")
    expect(trainee_page.locator("#current-grade")).to_contain_text("已确认")
    trainee_page.fill("#dispute textarea[name=comment]", "第一句是在转述楼上的话，不是我的态度。")
    trainee_page.locator("#dispute summary", has_text="我认为合理的评分").click()
    trainee_page.select_option("#dispute select[name=r_communication]", "2")
    trainee_page.click("button:has-text('提交申诉')")
    expect(trainee_page.locator(".flash.success")).to_contain_text("申诉已提交")

    decider = browser.new_context(locale="zh-CN").new_page()
    sign_in(decider, live_server, second)
    decider.goto(f"{live_server}/review/disputes")
    decider.locator("#disputes tr", has_text="e2e-review-agent").locator("a", has_text="处理").click()
    dispute = decider.locator("section.dispute")
    dispute.locator("input[value=partial]").check()
    dispute.locator("textarea").first.fill("转述的部分不扣，但第二句确实不妥。")
    dispute.locator("summary", has_text="调整后的评分").click()
    dispute.locator("select[name$=r_communication]").select_option("2")
    dispute.locator("button:has-text('提交处理结果')").click()
    expect(decider.locator(".flash.success")).to_contain_text("部分接受")
    expect(decider.locator("#current-grade")).to_contain_text("申诉处理后的评分")

    trainee_page.goto(f"{live_server}/review/items/{item_id}")
    expect(trainee_page.locator("section.dispute")).to_contain_text("部分接受")
    expect(trainee_page.locator("#dispute")).to_have_count(0)  # a decided dispute is final


def test_calibration_with_three_graders(browser, live_server):
    first = _play_rude(browser, live_server, "e2e-calibration-a")
    first.context.close()
    second = _play_rude(browser, live_server, "e2e-calibration-b")
    second.context.close()
    hr = browser.new_context(locale="zh-CN").new_page()
    sign_in(hr, live_server, "demo-hr")
    ids = []
    for name in ("e2e-calibration-a", "e2e-calibration-b"):
        hr.goto(f"{live_server}/review/queue?flagged=1")
        ids.append(hr.locator("#queue tbody tr", has_text=name).first.locator("td").first.inner_text())
    hr.goto(f"{live_server}/review/calibration")
    hr.fill("input[name=title]", "浏览器校准")
    hr.fill("input[name=item_ids]", " ".join(ids))
    hr.select_option("select[name=graders]", label=[
        "主管 赵磊（主管）", "主管 钱敏（主管）", "人力 何静（人力）"])
    hr.select_option("select[name=expert]", label="人力 何静（人力）")
    hr.fill("input[name=deadline]", "2099-01-01T12:00")
    hr.click("button:has-text('发起校准')")
    expect(hr.locator(".flash.success")).to_contain_text("已通知 3 位评分人")
    session_url = hr.url

    marks = {"demo-hr": ("2", "1"), "demo-supervisor": ("2", "2"), "zhao-supervisor": ("4", "3")}
    for username, (communication, needs) in marks.items():
        page = hr if username == "demo-hr" else browser.new_context(locale="zh-CN").new_page()
        if page is not hr:
            sign_in(page, live_server, username)
        for position in range(2):
            page.goto(session_url)
            page.locator("#calibration-items tbody tr").nth(position).locator("a").click()
            expect(page.locator("#calibration-grades")).to_have_count(0)  # blind until submitted
            page.select_option("select[name=r_communication]", communication)
            page.select_option("select[name=r_understanding_needs]", needs)
            page.click("button:has-text('提交校准评分')")
            expect(page.locator("#calibration-grades")).to_be_visible()
    hr.goto(session_url)
    overall = hr.locator("#overall")
    expect(overall).to_contain_text("基于 2 项作业、3 位评分人")
    for stat in ("fleiss", "icc1", "icc2", "icc3"):
        expect(overall.locator(f"[data-stat={stat}]")).to_have_text(re.compile(r"^-?\d\.\d{3}$"))
    expect(overall).to_contain_text("Cohen κ")
    expect(overall).to_contain_text("超出 ±10%")  # 钱敏 is two points above the expert
