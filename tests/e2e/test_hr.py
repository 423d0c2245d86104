"""HR's month in Chromium: a two-round Delphi survey with three experts (one through the outside link) turned
into a weight set, the heatmap and an agent's trend drawn, a promotion confirmed, and the overview as XLSX."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import LIVE, sign_in

pytestmark = pytest.mark.e2e

SURVEY_TITLE = "端到端 权重复核调查"


def _agent_due_for_promotion(username: str) -> int:
    """A junior hired five months ago, scoring well on every indicator: the next grade's rules all hold."""
    from trainer.accounts import services as accounts
    from trainer.competency import services as competency

    with LIVE["app"].app_context():
        team = next(t for t in accounts.all_teams() if t.name == "客服一组")
        agent = accounts.create_user(username=username, password="demo-pass-2026", role="trainee", team=team,
                                     display_name="晋级候选", grade_code="junior",
                                     hire_date=date.today() - timedelta(days=150))
        model = competency.model_view()
        for group in model.groups:
            for indicator in group.indicators:
                competency.record_evidence(agent=agent, indicator_id=indicator.id, value=86.0, source_kind="exam")
        return agent.id


def _rate_all(page, rating) -> None:
    """Tick one radio per indicator: `rating(expert_item_index)` gives the 1-5 value."""
    names = page.eval_on_selector_all(
        "input[type=radio][name^='r_']", "els => [...new Set(els.map(e => e.name))]")
    assert len(names) == 14, page.url + page.locator("main").inner_text()[:1500]  # 3 first-level + 11 second-level
    for index, name in enumerate(names):
        page.check(f"input[name='{name}'][value='{rating(index)}']")
    page.click("button[type=submit]:has-text('提交第')")
    page.wait_for_load_state()


def _hr_round_action(hr, survey_url: str, label: str) -> None:
    hr.goto(survey_url)
    button = hr.locator(f"button:has-text('{label}')")
    assert button.count() == 1, hr.locator("main").inner_text()[:2000]
    button.click()
    hr.wait_for_load_state()


def test_hr_runs_a_delphi_survey_and_acts_on_the_results(browser, live_server):
    agent_id = _agent_due_for_promotion("e2e-promotion")
    contexts = [browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}) for _ in range(4)]
    hr, lead_a, lead_b, outsider = (context.new_page() for context in contexts)
    for tab in (hr, lead_a, lead_b, outsider):
        tab.set_default_timeout(15_000)
        tab.on("dialog", lambda dialog: dialog.accept())
    try:
        sign_in(hr, live_server, "demo-hr")
        hr.goto(f"{live_server}/competency/surveys")
        hr.fill("input[name=title]", SURVEY_TITLE)
        hr.click("button:has-text('创建调查')")
        hr.wait_for_url(re.compile(r".*/competency/surveys/\d+$"))
        survey_url = hr.url
        survey_id = int(survey_url.rsplit("/", 1)[1])

        for name in ("主管 赵磊", "主管 钱敏"):
            hr.select_option("select[name=user_id]", label=f"{name}（主管）")
            hr.click("button:has-text('邀请')")
            hr.wait_for_load_state()
            assert name in hr.locator("main").inner_text()
        hr.fill("input[name=name]", "外部专家 吴教授")
        hr.fill("input[name=affiliation]", "某职业技术学院")
        hr.click("button:has-text('生成专属链接')")
        link = hr.locator("#new-link").inner_text().strip()
        assert re.search(r"/delphi/[A-Za-z0-9_-]+$", link), link
        link = live_server + link[link.index("/delphi/"):]

        sign_in(lead_a, live_server, "demo-supervisor")
        sign_in(lead_b, live_server, "zhao-supervisor")
        experts = [(lead_a, f"{live_server}/competency/surveys/{survey_id}/rate"),
                   (lead_b, f"{live_server}/competency/surveys/{survey_id}/rate"), (outsider, link)]

        # round 1: the three experts disagree
        _hr_round_action(hr, survey_url, "开始第 1 轮")
        for k, (tab, url) in enumerate(experts):
            tab.goto(url)
            _rate_all(tab, lambda i, k=k: 1 + (i * (k + 2) + k) % 5)
            assert "第 1 轮评分已提交" in tab.locator("main").inner_text()
        _hr_round_action(hr, survey_url, "结束第 1 轮")

        # round 2: each expert sees the group's figures and their own earlier ratings, and they converge
        _hr_round_action(hr, survey_url, "开始第 2 轮")
        for tab, url in experts:
            tab.goto(url)
            assert "您上一轮" in tab.locator("main").inner_text()
            _rate_all(tab, lambda i: 1 + i % 5 if i >= 3 else 3 + i % 3)
        hr.goto(survey_url)
        if hr.locator("button:has-text('结束第 2 轮')").count():
            _hr_round_action(hr, survey_url, "结束第 2 轮")
        # both rounds are over, each with all three experts, and round 2's agreement is computed
        hr.goto(survey_url)
        rounds = hr.locator("#rounds tbody tr")
        assert rounds.count() == 2
        for number in (1, 2):
            row = rounds.nth(number - 1).inner_text()
            assert f"第 {number} 轮" in row and "3 / 3" in row and "进行中" not in row, row
        hr.goto(f"{survey_url}/rounds/2")
        for level in ("first", "second"):
            agreement = hr.locator(f"#agreement tr[data-level={level}]")
            assert re.fullmatch(r"0\.\d{3}|1\.000", agreement.locator("[data-stat=w]").inner_text()), level
            assert agreement.locator("td").nth(2).inner_text() == "3"  # experts
        hr.goto(survey_url)

        hr.click("button:has-text('用第 2 轮结果生成权重版本')")
        hr.wait_for_url(f"{live_server}/competency/model")
        versions = hr.locator("main").inner_text()
        assert re.search(r"已用第 2 轮的结果生成权重版本 v\d+", versions)
        assert SURVEY_TITLE in versions and "3 位专家" in versions

        # the outside link is spent once the survey has ended
        outsider.goto(link)
        assert "这次调查已经结束，感谢您的参与。" in outsider.locator("main").inner_text()
        assert outsider.locator("button[type=submit]:has-text('提交第')").count() == 0

        # the heatmap and an agent's trend are drawn (ECharts draws them as SVG)
        hr.goto(f"{live_server}/hr")
        hr.wait_for_selector(".heatmap svg")
        assert hr.locator("#heatmap-table tr[data-agent]").count() > 0
        hr.goto(f"{live_server}/competency/agents/{agent_id}")
        assert hr.locator("h1").inner_text() == "晋级候选 的能力档案"
        hr.wait_for_selector("#trend svg")
        hr.wait_for_selector("#radar svg")
        assert hr.locator("#trend svg").count() == 1 and hr.locator("#radar svg").count() == 1

        # confirm the promotion waiting for the new agent
        hr.goto(f"{live_server}/competency/promotions")
        row = hr.locator(f"#eligible tr[data-agent='{agent_id}']")
        assert "中级" in row.inner_text()
        row.locator("summary").click()
        row.locator("textarea[name=reason]").fill("五个月来各项指标稳定在 85 分以上")
        row.locator("button:has-text('确认晋级')").click()
        hr.wait_for_load_state()
        assert hr.locator(f"#eligible tr[data-agent='{agent_id}']").count() == 0
        with LIVE["app"].app_context():
            from trainer.accounts.models import User
            from trainer.extensions import db

            assert db.session.get(User, agent_id).grade_code == "intermediate"

        # the overview as a workbook, opened and checked
        hr.goto(f"{live_server}/hr")
        with hr.expect_download() as download:
            hr.click("a:has-text('导出 Excel')")
        body = download.value.path().read_bytes()
        sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        header = rows[0]
        assert header[:8] == ["用户名", "姓名", "团队", "职级", "入职日期", "综合指数", "覆盖度 (%)", "证据数"]
        assert len(header) == 8 + 11
        names = [r[header.index("姓名")] for r in rows[1:]]
        assert "晋级候选" in names and "林小雨" in names
        ours = rows[1:][names.index("晋级候选")]
        assert ours[header.index("职级")] == "中级"
    finally:
        for context in contexts:
            context.close()
