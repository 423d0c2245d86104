"""HR's overview, team pages and comparisons, an agent over time, weight versions and the exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from tests.conftest import login, post_form
from trainer.competency import services
from trainer.competency.models import WeightSet
from trainer.extensions import db
from trainer.timeutil import utcnow

INDICATORS = ("info_reading", "product_knowledge", "understanding_needs", "solution_offering", "communication",
              "self_management", "teamwork", "self_motivation", "continuous_learning", "reflective_practice",
              "it_skills")


@pytest.fixture
def company(make_user, make_team):
    """Two teams of three with known scores; team b is weaker on communication."""
    lead_a, lead_b = make_user("supervisor"), make_user("supervisor")
    team_a, team_b = make_team("甲组", [lead_a]), make_team("乙组", [lead_b])
    agents = {}
    for team, names, comm in ((team_a, ("王一", "王二", "王三"), (80, 90, 70)),
                              (team_b, ("李一", "李二", "李三"), (40, 50, 60))):
        for name, value in zip(names, comm, strict=True):
            agent = make_user("trainee", display_name=name, team=team, hire_date=date(2026, 2, 10))
            services.record_evidence(agent=agent, indicator_id="communication", value=value, source_kind="exam")
            services.record_evidence(agent=agent, indicator_id="teamwork", value=70, source_kind="exam")
            agents[name] = agent
    return {"a": team_a, "b": team_b, "lead_a": lead_a, "lead_b": lead_b, "agents": agents}


def _names(page: str, table: str = "heatmap-table") -> list[str]:
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-agent="([^"]+)"', body)


def test_hr_overview_filters_sorts_and_searches(signed_in, company):
    client, _ = signed_in("hr")
    page = client.get("/hr").get_data(as_text=True)
    assert _names(page) == sorted(company["agents"], key=lambda n: n)  # by name
    assert 'id="agent-total">6<' in page
    weakest_first = client.get("/hr?indicator=communication").get_data(as_text=True)
    assert _names(weakest_first)[:3] == ["李一", "李二", "李三"]
    assert set(_names(client.get(f"/hr?team={company['b'].id}").get_data(as_text=True))) == {"李一", "李二", "李三"}
    assert _names(client.get("/hr?q=王二").get_data(as_text=True)) == ["王二"]
    assert _names(client.get("/hr?cohort=2026Q1").get_data(as_text=True)) != []
    assert client.get("/hr?cohort=2025Q4").status_code == 400  # no such cohort among the agents
    bad = client.get("/hr?team=999999&sort=drop+table")
    assert bad.status_code == 400 and "筛选条件无效" in bad.get_data(as_text=True)
    assert len(_names(bad.get_data(as_text=True))) == 6  # nothing lost: everyone is shown


def test_hr_overview_pages_and_histogram(app, signed_in, company, monkeypatch):
    from trainer.competency import dashboards

    monkeypatch.setattr(dashboards, "PER_PAGE", 4)
    client, _ = signed_in("hr")
    first = client.get("/hr").get_data(as_text=True)
    second = client.get("/hr?page=2").get_data(as_text=True)
    assert len(_names(first)) == 4 and len(_names(second)) == 2
    assert set(_names(first)) | set(_names(second)) == set(company["agents"])
    assert "第 1 / 2 页" in first
    assert len(_names(client.get("/hr?page=99").get_data(as_text=True))) == 2  # past the end: the last page
    counts = re.search(r'id="histogram-table".*?<tbody><tr>(.*?)</tr>', first, re.S).group(1)
    assert sum(int(n) for n in re.findall(r">(\d+)<", counts)) == 6


def test_statement_count_does_not_grow_with_agents(app, signed_in, make_user, company):
    client, _ = signed_in("hr")
    client.get("/hr")

    def statements() -> int:
        count = {"n": 0}

        def seen(*_args):
            count["n"] += 1

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert client.get("/hr").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        return count["n"]

    few = statements()
    for n in range(20):
        agent = make_user("trainee", display_name=f"新人{n:02d}", team=company["a"])
        services.record_evidence(agent=agent, indicator_id="it_skills", value=50 + n, source_kind="typing")
    assert statements() == few


def test_compare_teams_and_weakest_with_courses(signed_in, company):
    client, _ = signed_in("hr")
    page = client.get("/hr/compare").get_data(as_text=True)
    teams = page.split('id="team-means"', 1)[1].split("</table>", 1)[0]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"<tr><td class=\"nowrap\">(.+?)</td>(.*?)</tr>", teams, re.S)}
    assert set(rows) == {"甲组", "乙组"}
    assert 'data-score="80.0"' in rows["甲组"] and 'data-score="50.0"' in rows["乙组"]  # communication means
    weakest = page.split('id="weakest"', 1)[1].split("</table>", 1)[0]
    assert "乙组" in weakest and "/courses/" in weakest  # linked to the courses that develop it
    assert "2026Q1" in page.split('id="cohort-means"', 1)[1].split("</table>", 1)[0]


def test_supervisor_sees_own_team_only(client, company):
    login(client, company["lead_a"].username)
    home = client.get("/team").get_data(as_text=True)
    assert "王一" in home and "李一" not in home
    assert client.get(f"/teams/{company['a'].id}").status_code == 200
    assert client.get(f"/teams/{company['b'].id}").status_code == 403
    assert client.get(f"/teams/{company['b'].id}/export.xlsx").status_code == 403
    assert client.get("/hr/export.xlsx").status_code == 403
    assert client.get("/hr").status_code == 403
    own = client.get(f"/teams/{company['a'].id}/export.csv")
    assert own.status_code == 200
    text = own.get_data(as_text=True)
    assert "王一" in text and "李一" not in text


def test_team_page_compares_with_company(signed_in, company):
    client, _ = signed_in("hr")
    page = client.get(f"/teams/{company['b'].id}").get_data(as_text=True)
    table = page.split("team-vs-company", 1)[1].split("</table>", 1)[0]
    row = re.search(r"<td>人际沟通能力</td>(.*?)</tr>", table, re.S).group(1)
    assert "50.0" in row and "65.0" in row and "-15.0" in row


def test_overview_xlsx_and_csv(signed_in, company, make_user):
    make_user("trainee", display_name="=HYPERLINK(\"http://x\")", team=company["a"])
    client, _ = signed_in("hr")
    response = client.get("/hr/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = rows[0]
    assert header[:8] == ("用户名", "姓名", "团队", "职级", "入职日期", "综合指数", "覆盖度 (%)", "证据数")
    assert len(header) == 8 + 11
    assert len(rows) == 1 + 7
    by_name = {r[1]: r for r in rows[1:]}
    wang = by_name["王一"]
    assert wang[2] == "甲组" and wang[header.index("人际沟通能力")] == 80
    assert by_name["'=HYPERLINK(\"http://x\")"][5] is None  # a formula-looking name is text, and no evidence
    text = client.get(f"/hr/export.csv?team={company['b'].id}").get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:])))
    assert len(lines) == 1 + 3 and {r[1] for r in lines[1:]} == {"李一", "李二", "李三"}
    assert client.get("/hr/export.pdf").status_code == 404


def test_profile_trend_radar_sources_and_export(signed_in, company, app):
    client, _ = signed_in("hr")
    agent = company["agents"]["王一"]
    page = client.get(f"/competency/agents/{agent.id}").get_data(as_text=True)
    assert 'id="trend-table"' in page and page.count("<tr data-month=") == 12
    assert 'data-team="团队平均"' in page
    assert "/exams/attempts/" not in page  # evidence without a real source has no link
    response = client.get(f"/competency/agents/{agent.id}/export.xlsx")
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    assert book.sheetnames == ["指标", "逐月趋势", "评估证据"]
    evidence = list(book["评估证据"].iter_rows(values_only=True))
    assert len(evidence) == 1 + 2 and evidence[1][6] == "系统自动评分"
    trainee = company["agents"]["王二"]
    client.post("/logout", data={"csrf_token": ""})
    other = app.test_client()
    login(other, trainee.username)
    assert other.get(f"/competency/agents/{agent.id}/export.xlsx").status_code == 403


def test_history_api(app, make_user):
    from trainer.accounts import services as accounts

    agent = make_user("trainee")
    viewer = make_user("hr")
    now = utcnow()
    start = datetime(now.year, now.month, 1)
    last_month = start - timedelta(days=10)
    services.record_evidence(agent=agent, indicator_id="communication", value=40, source_kind="exam",
                             at=last_month - timedelta(days=40))
    services.record_evidence(agent=agent, indicator_id="communication", value=60, source_kind="exam", at=last_month)
    services.record_evidence(agent=agent, indicator_id="communication", value=100, source_kind="exam",
                             at=start + timedelta(hours=1))
    token = accounts.issue_api_token(viewer)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    body = api.get(f"/api/v1/agents/{agent.id}/history?indicator=communication&months=3", headers=headers).get_json()
    points = body["points"]
    assert [p["evidence"] for p in points] == [1, 1, 1]
    assert [p["score"] for p in points] == [40.0, round(.65 * 60 + .35 * 40, 1), round(.65 * 100 + .35 * 50, 1)]
    months = [p["month"] for p in points]
    assert months[-1] == f"{now.year:04d}-{now.month:02d}" and months == sorted(months)
    index = api.get(f"/api/v1/agents/{agent.id}/history?months=3", headers=headers).get_json()["points"]
    assert index[-1]["score"] == points[-1]["score"]  # one indicator measured: the index is its score
    assert api.get(f"/api/v1/agents/{agent.id}/history?indicator=bogus", headers=headers).status_code == 400
    assert api.get(f"/api/v1/agents/{agent.id}/history?months=0", headers=headers).status_code == 400
    assert api.get(f"/api/v1/agents/{agent.id}/history?months=x", headers=headers).status_code == 400
    other = make_user("trainee")
    other_token = accounts.issue_api_token(other)
    assert api.get(f"/api/v1/agents/{agent.id}/history",
                   headers={"Authorization": f"Bearer {other_token}"}).status_code == 403


def _weights_form(client, **changes) -> dict:
    page = client.get("/competency/weights/new").get_data(as_text=True)
    fields = dict(re.findall(r'name="(w_[a-z_]+)"[^>]*value="([^"]*)"', page))
    data = {**fields, "label": "2027 年调整", "effective_from": utcnow().date().isoformat(), "note": "年度复盘"}
    data.update(changes)
    return data


def _versions() -> int:
    return db.session.scalar(select(func.count()).select_from(WeightSet)) or 0


def test_weight_set_edit_makes_a_new_version(signed_in, company):
    client, _ = signed_in("hr")
    before = _versions()
    old = services.active_weight_set().version
    data = _weights_form(client)
    assert set(k for k in data if k.startswith("w_")) >= {f"w_{i}" for i in INDICATORS}
    # move 5 points from the first group to the second at the first level; within the second group too
    data["w_professional"] = str(float(data["w_professional"]) - 5)
    data["w_customer_centred"] = str(float(data["w_customer_centred"]) + 5)
    data["w_communication"] = str(float(data["w_communication"]) + 2)
    data["w_teamwork"] = str(float(data["w_teamwork"]) - 2)
    response = post_form(client, "/competency/weights/new", data, page="/competency/weights/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert _versions() == before + 1
    current = services.active_weight_set()
    assert current.version == old + 1 and current.source == "manual" and current.provenance["based_on"] == old
    model = services.model_view()
    group = next(g for g in model.groups if g.id == "customer_centred")
    communication = next(i for i in group.indicators if i.id == "communication")
    assert group.weight == pytest.approx(float(data["w_customer_centred"]))
    assert communication.combined == pytest.approx(group.weight * communication.weight / 100, abs=1e-3)
    # the old version still reads
    page = client.get(f"/hr?weights={old}").get_data(as_text=True)
    assert f"权重 v{old}" in page


@pytest.mark.parametrize("change, message", [
    ({"w_professional": "50"}, "一级指标的权重合计应为 100%"),
    ({"w_communication": "-1"}, "权重应在 0 到 100 之间"),
    ({"w_communication": "abc"}, "权重"),
    ({"note": ""}, "请写明为什么调整权重"),
])
def test_weight_set_bad_input_writes_nothing(signed_in, company, change, message):
    client, _ = signed_in("hr")
    before = _versions()
    data = _weights_form(client, **change)
    response = post_form(client, "/competency/weights/new", data, page="/competency/weights/new")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _versions() == before


def test_weight_set_dated_later_takes_effect_on_its_day(signed_in, company, monkeypatch):
    client, _ = signed_in("hr")
    old = services.active_weight_set().version
    later = utcnow().date() + timedelta(days=10)
    data = _weights_form(client, effective_from=later.isoformat())
    response = post_form(client, "/competency/weights/new", data, page="/competency/weights/new")
    assert response.status_code == 302
    assert services.active_weight_set().version == old
    assert "待生效" in client.get("/competency/model").get_data(as_text=True)
    import trainer.competency.weights as weights

    monkeypatch.setattr(weights, "utcnow", lambda: datetime.combine(later, datetime.min.time()) + timedelta(hours=1))
    assert services.active_weight_set().version == old + 1


def test_weights_form_is_hr_only(signed_in, company):
    client, _ = signed_in("supervisor")
    assert client.get("/competency/weights/new").status_code == 403


def test_shipped_weight_set_shows_the_studys_delphi_figures(signed_in):
    """The weight set made from model.yaml says where its numbers came from: 26 experts, 2 rounds, W per level."""
    active = db.session.scalar(select(WeightSet).where(WeightSet.active.is_(True)))
    assert active.provenance["w"] == {"first_level": 0.317, "second_level": 0.496}
    client, _ = signed_in("hr")
    page = client.get("/competency/model").get_data(as_text=True)
    assert "26 位专家、2 轮" in page
    assert "一级 W = 0.317" in page and "二级 W = 0.496" in page
