"""Delphi surveys: HR creates a survey over the model's indicators with a stop rule, invites platform and
outside experts (personal links, only a hash stored), runs rounds with controlled feedback; the figures
come from delphi.py, a round closes by HR or by the stop rule, and the final round becomes a weight-set
version. Every bad input listed is refused with a message and nothing written."""

from __future__ import annotations

import csv
import hashlib
import io
import re

import pytest
from sqlalchemy import func, select, text

from tests.conftest import csrf_from, login, post_form
from trainer.competency import delphi, surveys
from trainer.competency import services as competency
from trainer.competency.models import IndicatorWeight, WeightSet
from trainer.competency.survey_models import (
    DelphiAnswerIsAppendOnly,
    DelphiExpert,
    DelphiRating,
    DelphiResponse,
    DelphiRound,
    DelphiSurvey,
)
from trainer.extensions import db
from trainer.messages import ServiceError
from trainer.review.models import AuditRecord

LINK_RE = re.compile(r'id="new-link">[^<]*/delphi/([A-Za-z0-9_-]+)<')


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def client_for(app, user):
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


@pytest.fixture
def panel(app, make_user):
    hr, lead, other = make_user("hr"), make_user("supervisor", display_name="主管 赵磊"), make_user("supervisor")
    hr_client = client_for(app, hr)
    response = post_form(hr_client, "/competency/surveys", {"title": "能力权重复核", "description": "请按重要性评分",
                                                            "min_w": "0.3", "max_cv": "0.25", "alpha": "0.05"})
    assert response.status_code == 302, response.get_data(as_text=True)
    survey = db.session.scalar(select(DelphiSurvey))
    base = f"/competency/surveys/{survey.id}"
    assert post_form(hr_client, f"{base}/experts", {"user_id": lead.id}, page=base).status_code == 302
    page = post_form(hr_client, f"{base}/experts/outside", {"name": "王教授", "affiliation": "某大学"}, page=base)
    token = LINK_RE.search(page.get_data(as_text=True)).group(1)
    return {"hr": hr, "lead": lead, "other": other, "hr_client": hr_client, "survey": survey, "base": base,
            "token": token, "lead_client": client_for(app, lead)}


def open_round(panel):
    response = post_form(panel["hr_client"], f"{panel['base']}/rounds", {}, page=panel["base"])
    assert response.status_code == 302, response.get_data(as_text=True)


def answers(survey, value=lambda item: 4, comment=None, proposal="") -> dict:
    data = {f"r_{i.indicator_id}": str(value(i)) for i in survey.items}
    if comment:
        data[f"c_{survey.items[0].indicator_id}"] = comment
    data["proposal"] = proposal
    return data


def rate(client, url, survey, **kwargs):
    """Load the rating page (as the expert's browser does) and post its form back with the round it shows."""
    page = client.get(url).get_data(as_text=True)
    round_id = re.search(r'name="round_id" type="hidden" value="(\d+)"', page).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(url, data={**answers(survey, **kwargs), "round_id": round_id, "csrf_token": token})


def form_of(client, url) -> dict:
    page = client.get(url).get_data(as_text=True)
    return {"round_id": re.search(r'name="round_id" type="hidden" value="(\d+)"', page).group(1),
            "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)}


def lead_url(panel):
    return f"{panel['base']}/rate"


def outside_url(panel):
    return f"/delphi/{panel['token']}"


# --- creating a survey and inviting experts --------------------------------------------------------------


def test_rule_a_survey_covers_every_first_and_second_level_indicator_with_the_default_stop_rule(app, panel):
    survey = panel["survey"]
    assert [i.level for i in survey.items].count(1) == 3 and [i.level for i in survey.items].count(2) == 11
    assert (survey.min_w, survey.max_cv, survey.alpha, survey.status) == (0.3, 0.25, 0.05, "draft")
    form = panel["hr_client"].get("/competency/surveys").get_data(as_text=True)
    assert 'value="0.3"' in form and 'value="0.25"' in form and 'value="0.05"' in form


@pytest.mark.parametrize("field,value", [("min_w", "1.5"), ("max_cv", "0"), ("alpha", "1"), ("title", "")])
def test_rule_a_bad_stop_rule_or_missing_title_is_refused(app, panel, field, value):
    data = {"title": "第二次", "min_w": "0.3", "max_cv": "0.25", "alpha": "0.05", field: value}
    response = post_form(panel["hr_client"], "/competency/surveys", data)
    assert response.status_code == 400 and count(DelphiSurvey) == 1


def test_rule_an_outside_experts_link_is_shown_once_and_only_its_hash_is_stored(app, panel):
    expert = db.session.scalar(select(DelphiExpert).where(DelphiExpert.user_id.is_(None)))
    assert expert.token_hash == hashlib.sha256(panel["token"].encode()).hexdigest()
    assert panel["token"] not in panel["hr_client"].get(panel["base"]).get_data(as_text=True)
    anonymous = app.test_client()
    assert anonymous.get(outside_url(panel)).status_code == 200  # no account needed
    page = post_form(panel["hr_client"], f"{panel['base']}/experts/{expert.id}/link", {}, page=panel["base"])
    new_token = LINK_RE.search(page.get_data(as_text=True)).group(1)
    assert new_token != panel["token"]
    assert anonymous.get(outside_url(panel)).status_code == 404  # the old link stopped working
    assert anonymous.get(f"/delphi/{new_token}").status_code == 200
    assert anonymous.get("/delphi/not-a-real-token").status_code == 404


def test_rule_platform_experts_are_supervisors_or_hr_invited_once(app, panel, make_user):
    trainee = make_user("trainee")
    with pytest.raises(ServiceError, match=r"delphi.expert_role"):
        surveys.add_platform_expert(panel["survey"], panel["hr"], trainee)
    with pytest.raises(ServiceError, match=r"delphi.expert_twice"):
        surveys.add_platform_expert(panel["survey"], panel["hr"], panel["lead"])
    assert count(DelphiExpert) == 2


def test_rule_a_round_needs_two_experts_and_one_round_at_a_time(app, make_user):
    hr = make_user("hr")
    survey = surveys.create_survey(hr, title="小调查")
    surveys.add_outside_expert(survey, hr, name="甲")
    with pytest.raises(ServiceError, match=r"delphi.too_few_experts"):
        surveys.open_round(survey, hr)
    surveys.add_outside_expert(survey, hr, name="乙")
    surveys.open_round(survey, hr)
    with pytest.raises(ServiceError, match=r"delphi.round_still_open"):
        surveys.open_round(survey, hr)
    assert count(DelphiRound) == 1


def test_rule_only_hr_runs_surveys_and_only_invited_experts_rate(app, panel, make_user):
    other = client_for(app, panel["other"])
    for url in (panel["base"], f"{panel['base']}/rounds/1", f"{panel['base']}/rounds/1.csv",
                f"{panel['base']}/rounds/1/export.csv", f"{panel['base']}/rounds/1/export.xlsx"):
        assert other.get(url).status_code == 403
    assert other.get(lead_url(panel)).status_code == 403  # a supervisor not on the panel
    assert "能力权重复核" not in other.get("/competency/surveys").get_data(as_text=True)
    assert "能力权重复核" in panel["lead_client"].get("/competency/surveys").get_data(as_text=True)
    trainee = client_for(app, make_user("trainee"))
    assert trainee.get(lead_url(panel)).status_code == 403 and trainee.get("/competency/surveys").status_code == 403
    assert post_form(other, f"{panel['base']}/rounds", {}, page="/competency/surveys").status_code == 403


# --- answering a round -----------------------------------------------------------------------------------


def test_rule_experts_rate_every_indicator_with_comments_and_a_proposal(app, panel):
    open_round(panel)
    response = rate(panel["lead_client"], lead_url(panel), panel["survey"], comment="很关键",
                    proposal="情绪劳动管理能力")
    assert response.status_code == 302
    answer = db.session.scalar(select(DelphiResponse))
    assert answer.proposal == "情绪劳动管理能力" and len(answer.ratings) == 14
    assert {r.rating for r in answer.ratings} == {4} and any(r.comment == "很关键" for r in answer.ratings)
    assert "您已提交第 1 轮" in panel["lead_client"].get(lead_url(panel)).get_data(as_text=True)
    outside = app.test_client()
    assert rate(outside, outside_url(panel), panel["survey"]).status_code == 302
    assert count(DelphiResponse) == 2


def test_rule_an_expert_link_used_twice_for_the_same_round_is_refused(app, panel):
    open_round(panel)
    outside = app.test_client()
    form = form_of(outside, outside_url(panel))
    data = {**answers(panel["survey"]), **form}
    assert outside.post(outside_url(panel), data=data).status_code == 302
    again = outside.post(outside_url(panel), data={**answers(panel["survey"], value=lambda i: 5), **form})
    assert again.status_code == 409 and "每轮只能提交一次" in again.get_data(as_text=True)
    assert count(DelphiResponse) == 1 and count(DelphiRating, DelphiRating.rating == 5) == 0


@pytest.mark.parametrize("bad", ["6", "0", "-1", "3.5", "很重要", ""])
def test_rule_a_rating_outside_1_to_5_is_refused_and_nothing_written(app, panel, bad):
    open_round(panel)
    survey = panel["survey"]
    target = survey.items[5].indicator_id
    form = form_of(panel["lead_client"], lead_url(panel))
    response = panel["lead_client"].post(lead_url(panel), data={**answers(survey), f"r_{target}": bad, **form})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "1–5 的整数" in page or "评分" in page
    assert count(DelphiResponse) == 0 and count(DelphiRating) == 0


def test_rule_a_rating_after_the_round_closed_is_refused(app, panel):
    open_round(panel)
    outside = app.test_client()
    form = form_of(outside, outside_url(panel))  # the expert opened the round-1 form...
    assert post_form(panel["hr_client"], f"{panel['base']}/rounds/1/close", {}, page=panel["base"]).status_code == 302
    late = outside.post(outside_url(panel), data={**answers(panel["survey"]), **form})  # ...and sends it late
    assert late.status_code == 409 and "第 1 轮已经结束" in late.get_data(as_text=True)
    open_round(panel)  # even with round 2 open, a round-1 form does not count for round 2
    assert outside.post(outside_url(panel), data={**answers(panel["survey"]), **form}).status_code == 409
    assert count(DelphiResponse) == 0


def test_rule_a_rating_after_the_survey_ended_is_refused(app, panel):
    open_round(panel)
    form = form_of(panel["lead_client"], lead_url(panel))
    assert post_form(panel["hr_client"], f"{panel['base']}/end", {}, page=panel["base"]).status_code == 302
    response = panel["lead_client"].post(lead_url(panel), data={**answers(panel["survey"]), **form})
    assert response.status_code == 409 and "调查已经结束" in response.get_data(as_text=True)
    assert count(DelphiResponse) == 0
    assert "这次调查已经结束" in app.test_client().get(outside_url(panel)).get_data(as_text=True)
    with pytest.raises(ServiceError, match=r"delphi.survey_ended"):
        surveys.open_round(db.session.get(DelphiSurvey, panel["survey"].id), panel["hr"])


def test_rule_an_outsider_token_for_another_survey_is_refused(app, panel, make_user):
    other_survey = surveys.create_survey(panel["hr"], title="另一个调查")
    surveys.add_outside_expert(other_survey, panel["hr"], name="甲")
    surveys.add_outside_expert(other_survey, panel["hr"], name="乙")
    other_round = surveys.open_round(other_survey, panel["hr"])
    open_round(panel)
    outside = app.test_client()
    form = form_of(outside, outside_url(panel))
    response = outside.post(outside_url(panel), data={**answers(panel["survey"]), **form,
                                                      "round_id": str(other_round.id)})
    assert response.status_code == 403 and "不属于你受邀的调查" in response.get_data(as_text=True)
    assert count(DelphiResponse) == 0


def test_rule_a_rating_without_csrf_is_refused(app, panel):
    open_round(panel)
    outside = app.test_client()
    form = form_of(outside, outside_url(panel))
    response = outside.post(outside_url(panel), data={**answers(panel["survey"]), "round_id": form["round_id"]})
    assert response.status_code == 400 and count(DelphiResponse) == 0
    assert panel["hr_client"].post("/competency/surveys", data={"title": "x"}).status_code == 400
    assert panel["hr_client"].post(f"{panel['base']}/rounds", data={}).status_code == 400
    assert count(DelphiSurvey) == 1 and count(DelphiRound) == 1


def test_rule_round_two_shows_the_panels_figures_and_the_experts_own_ratings(app, panel):
    open_round(panel)
    first_id = panel["survey"].items[0].indicator_id
    rate(panel["lead_client"], lead_url(panel), panel["survey"], value=lambda i: 5 if i.indicator_id == first_id else 3)
    rate(app.test_client(), outside_url(panel), panel["survey"], value=lambda i: 4 if i.indicator_id == first_id else 2)
    post_form(panel["hr_client"], f"{panel['base']}/rounds/1/close", {}, page=panel["base"])
    open_round(panel)
    page = panel["lead_client"].get(lead_url(panel)).get_data(as_text=True)
    row = page.split(f'data-indicator="{first_id}"')[1].split("</tr>")[0]
    # mean 4.5, SD 0.71, CV 0.16, half gave 5; the expert gave 5 themselves
    assert "4.50" in row and "SD 0.71" in row and "CV 0.16" in row and "满分 50%" in row
    assert '<td class="num">5</td>' in row


# --- results, the stop rule and the weights --------------------------------------------------------------


def add_outside(survey, hr, n):
    return [surveys.add_outside_expert(survey, hr, name=f"专家{k}")[0] for k in range(n)]


def submit_all(survey, experts, value):
    row = surveys.current_round(survey)
    closed = False
    for k, expert in enumerate(experts):
        _, closed = surveys.submit(expert, row.id, {i.indicator_id: value(k, i) for i in survey.items}, {})
    return row, closed


def ranked(k, item):
    """Every expert ranks alike (importance falls with position), so W = 1 and every CV is 0."""
    return 5 - (item.position % 4) if item.level == 2 else 5 - item.position


def test_rule_a_round_closes_itself_once_everyone_answered_and_the_stop_rule_holds_for_both_levels(app, make_user):
    hr = make_user("hr")
    survey = surveys.create_survey(hr, title="一致")
    experts = add_outside(survey, hr, 4)
    surveys.open_round(survey, hr)
    row, closed = submit_all(survey, experts[:3], ranked)
    assert not closed and row.is_open  # one expert still to answer
    row, closed = submit_all(survey, experts[3:], ranked)
    row = db.session.get(DelphiRound, row.id)
    assert closed and not row.is_open and row.close_reason == "consensus"
    results = surveys.round_results(row)
    assert results.first.w == pytest.approx(1) and results.first.p < 0.05 and results.converged


def test_rule_a_round_stays_open_when_everyone_answered_but_the_experts_disagree(app, make_user):
    hr = make_user("hr")
    survey = surveys.create_survey(hr, title="分歧")
    experts = add_outside(survey, hr, 4)
    surveys.open_round(survey, hr)
    row, closed = submit_all(survey, experts, lambda k, item: 1 + (k + item.position) % 5)
    assert not closed and db.session.get(DelphiRound, row.id).is_open
    assert not surveys.round_results(row).converged


def _rated_round(app, panel) -> delphi.RoundSummary:
    """Round 1 answered by the supervisor and the outside expert; the second level's figures as delphi.py has them."""
    open_round(panel)
    survey = panel["survey"]
    rate(panel["lead_client"], lead_url(panel), survey, value=lambda i: 5 - i.position % 3)
    rate(app.test_client(), outside_url(panel), survey, value=lambda i: 5 - i.position % 2)
    matrix = [[5 - i.position % 3 for i in survey.items if i.level == 2],
              [5 - i.position % 2 for i in survey.items if i.level == 2]]
    return delphi.summarise_round(matrix, [i.indicator_id for i in survey.items if i.level == 2])


INDICATOR_HEADER = ["层级", "指标编号", "指标", "上级指标", "专家数", "均值", "标准差", "变异系数", "满分比例", "权重",
                    "组合权重"]
LEVEL_HEADER = ["层级", "指标数", "专家数", "W", "χ²", "自由度", "p", "达到停止规则"]


def test_rule_the_results_page_and_csv_show_the_figures_of_delphi_py(app, panel):
    expected = _rated_round(app, panel)
    page = panel["hr_client"].get(f"{panel['base']}/rounds/1").get_data(as_text=True)
    assert f"{expected.w:.3f}" in page.split('data-level="second"')[1].split("</tr>")[0]
    assert f"{panel['base']}/rounds/1/export.xlsx" in page and f"{panel['base']}/rounds/1/export.csv" in page
    assert "下载 XLSX" in page and "下载 CSV" in page
    response = panel["hr_client"].get(f"{panel['base']}/rounds/1/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "delphi-" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == INDICATOR_HEADER
    second = next(r for r in rows if len(r) > 1 and r[1] == expected.items[0])
    assert second[0] == "二级指标" and int(second[4]) == 2
    assert float(second[5]) == pytest.approx(expected.stats[expected.items[0]].mean, abs=1e-4)
    assert float(second[7]) == pytest.approx(expected.stats[expected.items[0]].cv, abs=1e-4)
    assert rows.index(LEVEL_HEADER) > rows.index([])  # the levels follow the indicators after an empty row
    level = next(r for r in rows if r and r[0] == "二级指标" and len(r) == len(LEVEL_HEADER))
    assert float(level[3]) == pytest.approx(expected.w, abs=1e-4) and int(level[5]) == expected.df
    assert float(level[6]) == pytest.approx(expected.p, rel=1e-4) and level[7] in ("是", "否")


def test_rule_the_old_csv_address_moves_to_the_export(app, panel):
    _rated_round(app, panel)
    response = panel["hr_client"].get(f"{panel['base']}/rounds/1.csv")
    assert response.status_code in (301, 302, 307, 308)
    assert response.headers["Location"].endswith(f"{panel['base']}/rounds/1/export.csv")
    assert panel["hr_client"].get(f"{panel['base']}/rounds/1/export.pdf").status_code == 404
    assert panel["hr_client"].get(f"{panel['base']}/rounds/9/export.csv").status_code == 404


def test_rule_the_round_exports_as_xlsx_for_hr_only(app, panel, make_user):
    from openpyxl import load_workbook

    expected = _rated_round(app, panel)
    survey = panel["survey"]
    url = f"{panel['base']}/rounds/1/export.xlsx"
    response = panel["hr_client"].get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    indicators, levels = (list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets)
    assert list(indicators[0]) == INDICATOR_HEADER and list(levels[0]) == LEVEL_HEADER
    assert len(indicators) == 1 + len(survey.items)
    rows = {r[1]: r for r in indicators[1:]}
    first_id = expected.items[0]
    row = rows[first_id]
    parent = next(i for i in survey.items if i.indicator_id == first_id).parent_id
    assert row[0] == "二级指标" and row[3] == rows[parent][2] and row[4] == 2
    stats = expected.stats[first_id]
    assert (row[5], row[6], row[7], row[8]) == pytest.approx((stats.mean, stats.sd, stats.cv, stats.top_share))
    results = surveys.round_results(surveys.get_round(survey, 1))
    assert row[9] == pytest.approx(results.within[parent][first_id])
    assert row[10] == pytest.approx(results.combined[first_id])
    assert sum(r[9] for r in indicators[1:] if r[0] == "一级指标") == pytest.approx(100)
    second = next(r for r in levels[1:] if r[0] == "二级指标")
    assert second[1:6] == (len(expected.items), 2, pytest.approx(expected.w), pytest.approx(expected.chi2),
                           expected.df)
    assert second[6] == pytest.approx(expected.p) and second[7] == ("是" if results.stop_second else "否")
    for role in ("supervisor", "trainee"):
        assert client_for(app, make_user(role)).get(url).status_code == 403
    assert panel["lead_client"].get(url).status_code == 403  # an expert on the panel, but not HR


def test_rule_the_final_rounds_weights_become_a_weight_set_that_sums_to_100(app, make_user):
    hr = make_user("hr")
    survey = surveys.create_survey(hr, title="权重")
    experts = add_outside(survey, hr, 5)
    surveys.open_round(survey, hr)
    submit_all(survey, experts, lambda k, item: 5 - (item.position + k) % 3)
    surveys.close_round(surveys.current_round(survey), hr)
    surveys.open_round(survey, hr)
    with pytest.raises(ServiceError, match=r"delphi.last_round_open"):
        surveys.apply_weights(survey, hr)
    row, _ = submit_all(survey, experts, lambda k, item: 5 - (item.position + (k % 2)) % 3)
    if surveys.current_round(survey) is not None:
        surveys.close_round(row, hr)
    hr_client, base = client_for(app, hr), f"/competency/surveys/{survey.id}"
    response = post_form(hr_client, f"{base}/weights", {}, page=base)
    assert response.status_code == 302
    weight_set = competency.active_weight_set()
    results = surveys.round_results(db.session.get(DelphiRound, row.id))
    assert weight_set.source == "delphi"
    assert weight_set.provenance == {"kind": "delphi", "survey": survey.id, "survey_title": survey.title, "round": 2,
                                     "w": {"first_level": round(results.first.w, 4),
                                           "second_level": round(results.second.w, 4)},
                                     "p": {"first_level": results.first.p, "second_level": results.second.p},
                                     "experts": 5}
    rows = {w.indicator_id: w for w in db.session.scalars(select(IndicatorWeight)
                                                          .where(IndicatorWeight.weight_set_id == weight_set.id))}
    tops = [i for i in survey.items if i.level == 1]
    assert sum(rows[t.indicator_id].weight for t in tops) == pytest.approx(100, abs=1e-9)
    for top in tops:
        children = [i for i in survey.items if i.parent_id == top.indicator_id]
        assert sum(rows[c.indicator_id].weight for c in children) == pytest.approx(100, abs=1e-9)
        for child in children:
            assert rows[child.indicator_id].combined == pytest.approx(
                rows[top.indicator_id].weight * rows[child.indicator_id].weight / 100, abs=1e-4)
    assert rows[tops[0].indicator_id].weight == results.first.weights[tops[0].indicator_id]
    survey = db.session.get(DelphiSurvey, survey.id)
    assert survey.weight_set_id == weight_set.id and survey.status == "ended"
    assert count(AuditRecord, AuditRecord.action == "delphi_weights") == 1
    again = post_form(hr_client, f"{base}/weights", {}, page=f"{base}/rounds/1")
    assert again.status_code == 409 and count(WeightSet, WeightSet.source == "delphi") == 1


def test_rule_weights_need_a_closed_round_with_two_answers(app, make_user):
    hr = make_user("hr")
    survey = surveys.create_survey(hr, title="太少")
    experts = add_outside(survey, hr, 3)
    with pytest.raises(ServiceError, match=r"delphi.no_closed_round"):
        surveys.apply_weights(survey, hr)
    surveys.open_round(survey, hr)
    submit_all(survey, experts[:1], ranked)
    surveys.close_round(surveys.current_round(survey), hr)
    versions = count(WeightSet)
    with pytest.raises(ServiceError, match=r"delphi.too_few_answers"):
        surveys.apply_weights(survey, hr)
    assert count(WeightSet) == versions


def test_rule_submitted_answers_are_append_only(app, panel):
    open_round(panel)
    rate(panel["lead_client"], lead_url(panel), panel["survey"])
    answer = db.session.scalar(select(DelphiResponse))
    answer.proposal = "改掉"
    with pytest.raises(DelphiAnswerIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    for statement in ("UPDATE delphi_ratings SET rating = 1", "DELETE FROM delphi_responses"):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_the_survey_pages_render_in_chinese(app, panel):
    open_round(panel)
    rate(panel["lead_client"], lead_url(panel), panel["survey"], value=lambda i: 5 - i.position % 3)
    rate(app.test_client(), outside_url(panel), panel["survey"], value=lambda i: 4 - i.position % 2)
    detail = panel["hr_client"].get(panel["base"]).get_data(as_text=True)
    assert "王教授" in detail and "2 / 2" in detail and "结束第 1 轮" in detail
    results = panel["hr_client"].get(f"{panel['base']}/rounds/1").get_data(as_text=True)
    assert "Kendall W" in results and "组合权重" in results and "满分率" in results
    assert csrf_from(panel["hr_client"], panel["base"])
