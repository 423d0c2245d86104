"""The monthly KPI report: each KPI's value for a team and month checked exactly, months in the desk's time zone,
who may see which team, bounded parameters, the XLSX and CSV exports, and a statement count that does not grow."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from tests.conftest import ROOT, login
from trainer.assessment.models import ExamAttempt, ExamPaper, TypingAttempt, TypingPassage
from trainer.competency import kpis
from trainer.extensions import db
from trainer.learning.models import Course, CourseFeedback, Enrolment
from trainer.messages import ServiceError
from trainer.review.models import CalibrationItem, CalibrationSession, ReviewGrade, ReviewItem
from trainer.roleplay.models import RoleplaySession, ScenarioRecord
from trainer.timeutil import utcnow

ZONE = ZoneInfo("Asia/Shanghai")


def _months() -> tuple[str, str, date]:
    """(this month, last month, the 1st of last month) in the desk's time zone."""
    today = utcnow().replace(tzinfo=UTC).astimezone(ZONE).date()
    first = today.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return first.strftime("%Y-%m"), previous.strftime("%Y-%m"), previous


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A local (Shanghai) time on `day`, as the naive UTC the database stores."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def world(app, make_user, make_team):
    """Two teams with a month of history (last month) and one record in the first minutes of this month."""
    app.config["TIMEZONE"] = "Asia/Shanghai"
    this, last, first = _months()
    lead, other_lead, hr, g1, g2 = (make_user("supervisor"), make_user("supervisor"), make_user("hr"),
                                    make_user("supervisor"), make_user("supervisor"))
    team_a, team_b = make_team("一组", [lead]), make_team("二组", [other_lead])
    a1, a2 = make_user("trainee", team=team_a), make_user("trainee", team=team_a)
    b1 = make_user("trainee", team=team_b)
    day = first.replace

    scenario = db.session.scalar(select(ScenarioRecord.id).limit(1))

    def play(agent, outcome, finished, status="finished"):
        db.session.add(RoleplaySession(user_id=agent.id, scenario_id=scenario, scenario_data={}, seed="s",
                                       status=status, outcome=outcome, stage="end", emotion=0,
                                       started_at=at(first), finished_at=finished))

    play(a1, "resolved", at(day(day=3)))
    play(a1, "escalated", at(day(day=4)))
    play(a2, "resolved", at(day(day=5)))
    play(a2, "hung_up", at(day(day=6)))
    play(a2, None, None, status="in_progress")  # never finished: not counted
    play(b1, "resolved", at(day(day=7)))
    this_first = date.fromisoformat(this + "-01")
    play(a1, "resolved", at(this_first, 0, 30))  # 16:30 UTC on the last day of last month: still this month here

    passage = db.session.scalar(select(TypingPassage.id).limit(1))
    for agent, cpm, submitted in ((a1, 70.0, True), (a1, 90.0, True), (a2, 60.0, True), (a2, 200.0, False)):
        db.session.add(TypingAttempt(user_id=agent.id, passage_id=passage, started_at=at(day(day=8)),
                                     submitted_at=at(day(day=8), 11) if submitted else None,
                                     cpm=cpm if submitted else None))

    paper = ExamPaper(title="月考", mode="fixed", time_limit=30, created_by_id=hr.id)
    db.session.add(paper)
    db.session.flush()
    for agent, passed, status in ((a1, True, "submitted"), (a1, False, "submitted"), (a2, True, "submitted"),
                                  (a2, None, "in_progress")):
        db.session.add(ExamAttempt(paper_id=paper.id, user_id=agent.id, status=status, question_ids=[],
                                   started_at=at(day(day=9)), deadline=at(day(day=9), 12),
                                   submitted_at=at(day(day=9), 11) if status == "submitted" else None,
                                   passed=passed, score=80.0 if passed else 40.0))

    course_x, course_y = db.session.scalars(select(Course).order_by(Course.id).limit(2)).all()

    def enrol(agent, course, *, due=None, completed=None, rating=None):
        enrolment = Enrolment(user_id=agent.id, course_id=course.id, enrolled_at=at(day(day=2)), due_date=due,
                              status="completed" if completed else "enrolled", completed_at=completed)
        db.session.add(enrolment)
        db.session.flush()
        if rating:
            db.session.add(CourseFeedback(enrolment_id=enrolment.id, rating=rating, created_at=at(day(day=12))))

    due = day(day=10)
    enrol(a1, course_x, due=due, completed=at(due, 23, 30), rating=5)  # 15:30 UTC on the due day: on time
    enrol(a1, course_y, due=due)  # never finished: overdue
    enrol(a2, course_x)  # self-enrolled, no due date
    enrol(a2, course_y, due=due, completed=at(day(day=11), 0, 30), rating=4)  # UTC says the due day; here: late
    enrol(b1, course_x, completed=at(day(day=3)), rating=5)

    def item(agent, n, auto=75.0, graded=False, created=None):
        row = ReviewItem(kind="practice", source_id=f"{agent.id}-{n}", agent_id=agent.id, title="回复",
                         created_at=created or at(day(day=13)), auto_score=auto)
        db.session.add(row)
        db.session.flush()
        if graded:
            grade = ReviewGrade(item_id=row.id, grader_id=lead.id, ratings={"communication": 4})
            db.session.add(grade)
            db.session.flush()
            row.grade_id, row.graded_at = grade.id, utcnow()
        return row

    a1_items = [item(a1, 1, graded=True), item(a1, 2), item(a1, 3), item(a1, 4, auto=None)]
    a2_item, b1_item = item(a2, 1, graded=True), item(b1, 1)

    def calibrate(items, marks, deadline):
        session = CalibrationSession(title="校准", created_by_id=hr.id, deadline=deadline)
        db.session.add(session)
        db.session.flush()
        for position, it in enumerate(items):
            db.session.add(CalibrationItem(session_id=session.id, item_id=it.id, position=position))
        for grader, by_item in marks.items():
            for it, ratings in zip(items, by_item, strict=True):
                db.session.add(ReviewGrade(item_id=it.id, grader_id=grader.id, ratings=ratings, origin="calibration",
                                           calibration_id=session.id))

    # units (1,1) (2,2) (3,3) (1,2): Fleiss' kappa = (3/4 − 22/64) / (1 − 22/64) = 13/21
    calibrate(a1_items[:2], {g1: [{"communication": 1, "teamwork": 2}, {"communication": 3, "teamwork": 1}],
                             g2: [{"communication": 1, "teamwork": 2}, {"communication": 3, "teamwork": 2}]},
              at(day(day=20)))
    # full agreement over two categories: kappa 1; it holds work of both teams
    calibrate([a2_item, b1_item], {g1: [{"communication": 4}, {"communication": 2}],
                                   g2: [{"communication": 4}, {"communication": 2}]}, at(day(day=25)))
    calibrate([a1_items[2], a1_items[3]], {g1: [{"communication": 1}, {"communication": 5}],
                                           g2: [{"communication": 5}, {"communication": 1}]},
              utcnow() + timedelta(days=3))  # still open: not in the report
    db.session.commit()
    return {"this": this, "last": last, "lead": lead, "other_lead": other_lead, "hr": hr, "a": team_a,
            "b": team_b, "a1": a1}


def client_for(app, user):
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def values(report, team_id, month) -> dict[str, tuple[float | None, int, bool | None]]:
    out = {}
    for k in report.kpis:
        cell = report.cell(k.id, team_id, month)
        out[k.id] = (None if cell.value is None else round(cell.value, 4), cell.basis, cell.met)
    return out


def test_each_kpi_of_a_team_and_month_exactly(world):
    report = kpis.monthly_report(world["hr"], months=3)
    assert len(report.months) == 3 and report.months[-2:] == (world["last"], world["this"])
    assert [name for _, name in report.teams] == ["一组", "二组", "合计"]
    assert values(report, world["a"].id, world["last"]) == {
        "roleplay_resolved": (50.0, 4, False),  # 2 of 4 finished; the unfinished one does not count
        "roleplay_escalated": (25.0, 4, None),
        "course_satisfaction": (90.0, 2, False),  # (5 + 4) / 2 ÷ 5
        "typing_speed": (75.0, 2, False),  # best of each agent: (90 + 60) / 2
        "exam_pass_rate": (round(200 / 3, 4), 3, None),
        "course_completion": (50.0, 4, None),
        "overdue_assignments": (2.0, 3, None),  # one never finished, one finished after midnight of the due day
        "human_graded_share": (50.0, 4, None),  # the item without an automatic score is not counted
        "calibration_kappa": (round((13 / 21 + 1) / 2, 4), 2, None),
    }
    assert values(report, world["b"].id, world["last"])["roleplay_resolved"] == (100.0, 1, True)
    assert values(report, world["b"].id, world["last"])["course_satisfaction"] == (100.0, 1, True)
    assert values(report, world["b"].id, world["last"])["calibration_kappa"] == (1.0, 1, None)
    total = values(report, None, world["last"])
    assert total["roleplay_resolved"] == (60.0, 5, False)
    assert total["calibration_kappa"] == (round((13 / 21 + 1) / 2, 4), 2, None)  # each session once
    assert total["human_graded_share"] == (40.0, 5, None)
    # 00:30 on the 1st here is the previous day in UTC: it belongs to this month
    assert values(report, world["a"].id, world["this"])["roleplay_resolved"] == (100.0, 1, True)
    assert values(report, world["b"].id, world["this"])["roleplay_resolved"] == (None, 0, None)
    assert values(report, world["a"].id, report.months[0])["typing_speed"] == (None, 0, None)


def test_the_page_shows_values_targets_badges_and_no_data(app, world):
    page = client_for(app, world["hr"]).get("/hr/kpi?months=3").get_data(as_text=True)
    assert page.count("data-kpi=") == 9
    section = page[page.index('data-kpi="course_satisfaction"'):page.index('data-kpi="typing_speed"')]
    assert "目标 ≥ 98%" in section and "用户满意率 98% 以上" in section
    row = re.search(rf'data-team="{world["a"].id}">(.*?)</tr>', section, re.S).group(1)
    cell = re.search(rf'data-month="{world["last"]}" data-value="90.0" data-basis="2">(.*?)</td>', row, re.S).group(1)
    assert "90.0%" in cell and "2 份评价" in cell and 'badge bad">未达标' in cell
    assert "无数据" in row and "—" in row  # the months without ratings
    assert 'data-team="total"' in section
    typing = page[page.index('data-kpi="typing_speed"'):page.index('data-kpi="exam_pass_rate"')]
    assert "75.0 字/分" in typing and "目标 ≥ 80 字/分" in typing
    assert "/hr/kpi/export.xlsx?months=3" in page and "/hr/kpi/export.csv?months=3" in page
    assert 'href="/hr/kpi"' in page  # the navigation link


def test_a_supervisor_sees_only_their_teams_and_gets_403_for_another(app, world):
    client = client_for(app, world["lead"])
    page = client.get("/hr/kpi").get_data(as_text=True)
    assert f'data-team="{world["a"].id}"' in page and f'data-team="{world["b"].id}"' not in page
    assert 'data-team="total"' not in page  # one team: no total row
    assert client.get(f"/hr/kpi?team={world['b'].id}").status_code == 403
    assert client.get(f"/hr/kpi/export.xlsx?team={world['b'].id}").status_code == 403
    assert client.get(f"/hr/kpi/export.csv?team={world['b'].id}").status_code == 403
    assert client.get(f"/hr/kpi?team={world['a'].id}").status_code == 200
    assert client.get("/hr/kpi?team=999999").status_code == 404
    assert client.get("/hr/kpi?team=99999999999999999999999").status_code == 404
    with pytest.raises(ServiceError) as refused:
        kpis.monthly_report(world["lead"], team_id=world["b"].id)
    assert refused.value.status == 403 and "自己负责的团队" in refused.value.text
    hr = client_for(app, world["hr"]).get(f"/hr/kpi?team={world['b'].id}").get_data(as_text=True)
    assert f'data-team="{world["b"].id}"' in hr and f'data-team="{world["a"].id}"' not in hr


@pytest.mark.parametrize("role", ["trainee", "admin"])
def test_trainees_and_admins_are_refused(app, signed_in, role):
    client, _ = signed_in(role)
    assert client.get("/hr/kpi").status_code == 403
    assert client.get("/hr/kpi/export.csv").status_code == 403


@pytest.mark.parametrize("raw, months", [("abc", 6), ("", 6), (None, 6), ("3.5", 6), ("0", 1), ("-4", 1),
                                         ("99", 24), ("12", 12), (" 2 ", 2)])
def test_months_are_bounded_and_bad_input_falls_back(raw, months):
    assert kpis.parse_months(raw) == months


def test_bad_months_on_the_page(app, world):
    client = client_for(app, world["hr"])
    for query, shown in (("months=abc", 6), ("months=1000", 24), ("months=0", 1)):
        response = client.get(f"/hr/kpi?{query}")
        assert response.status_code == 200
        section = response.get_data(as_text=True).split('data-kpi="roleplay_resolved"')[1].split("</thead>")[0]
        assert section.count('<th class="num">') == shown, query
    assert client.get("/hr/kpi?team=abc").status_code == 200  # not a team id: every team


def test_xlsx_export_has_the_header_and_rows(app, world):
    response = client_for(app, world["hr"]).get("/hr/kpi/export.xlsx?months=2")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data), read_only=True)["KPI 月报"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("团队", "月份", "指标", "数值", "单位", "样本数", "目标", "是否达标")
    assert len(rows) == 1 + 3 * 2 * 9  # two teams and the total, two months, nine KPIs
    by_key = {(r[0], r[1], r[2]): r for r in rows[1:]}
    assert by_key[("一组", world["last"], "投诉化解率")] == ("一组", world["last"], "投诉化解率", 50, "%", 4, "≥ 100%",
                                                           "未达标")
    assert by_key[("二组", world["last"], "课程满意度")][3:] == (100, "%", 1, "≥ 98%", "达标")
    assert by_key[("一组", world["last"], "逾期指派")][3:] == (2, "项", 3, None, "无目标")
    assert by_key[("二组", world["this"], "打字速度")][3:] == (None, "字/分", 0, "≥ 80 字/分", "无数据")
    assert by_key[("合计", world["last"], "投诉化解率")][3] == 60


def test_csv_export_has_a_bom_and_rows(app, world):
    response = client_for(app, world["lead"]).get("/hr/kpi/export.csv?months=2")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["团队", "月份", "指标", "数值", "单位", "样本数", "目标", "是否达标"]
    assert len(rows) == 1 + 2 * 9  # the supervisor's one team
    assert {r[0] for r in rows[1:]} == {"一组"}
    assert ["一组", world["last"], "打字速度", "75.00", "字/分", "2", "≥ 80 字/分", "未达标"] in rows


def test_the_number_of_statements_does_not_grow_with_the_agents(app, world, make_user):
    def statements() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            kpis.monthly_report(world["hr"], months=6)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        db.session.expire_all()
        return len(seen)

    before = statements()
    for _ in range(5):
        make_user("trainee", team=world["a"])
    assert statements() == before <= 12, before


def test_a_broken_targets_file_is_reported_with_its_line(app, signed_in, tmp_path):
    shutil.copytree(ROOT / "question_bank" / "competency", tmp_path / "question_bank" / "competency")
    path = tmp_path / "question_bank" / "competency" / "kpis.yaml"
    text = path.read_text(encoding="utf-8").replace("target: {at_least: 98}", "target: {at_least: 120}")
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "at_least: 120" in row)
    app.config["CONTENT_ROOT"] = tmp_path
    client, _ = signed_in("hr")
    response = client.get("/hr/kpi")
    assert response.status_code == 503
    assert f"question_bank/competency/kpis.yaml:{line}: 字段 'at_least' 应在 0 到 100 之间" in \
        html.unescape(response.get_data(as_text=True))
    path.write_text(text.replace("at_least: 120", "at_least: 95"), encoding="utf-8")  # fixed: read again
    page = client.get("/hr/kpi").get_data(as_text=True)
    assert "目标 ≥ 95%" in page
