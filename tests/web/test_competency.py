"""Profiles show the 11 indicators with the reference weights; evidence is append-only."""

import re

import pytest
from sqlalchemy import select, text

from tests.conftest import acceptance_cases, post_form
from trainer.competency import services
from trainer.competency.models import Evidence, EvidenceIsAppendOnly
from trainer.extensions import db
from trainer.review.models import AuditRecord


def _rows(page: str) -> dict[str, list[str]]:
    """Indicator id -> the text of its table cells on the profile page."""
    rows = {}
    for ident, body in re.findall(r'<tr data-indicator="([a-z_]+)"[^>]*>(.*?)</tr>', page, re.S):
        rows[ident] = [re.sub(r"<[^>]+>", " ", cell).split() for cell in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
    return rows


@pytest.mark.parametrize("want", acceptance_cases("competency_model.yaml"))
def test_rule_the_profile_shows_each_reference_group_with_its_indicators_and_weights(signed_in, make_user, want):
    client, _ = signed_in("hr")
    agent = make_user("trainee")
    page = client.get(f"/competency/agents/{agent.id}").get_data(as_text=True)
    rows = _rows(page)
    assert len(rows) == 11
    assert f"{want['weight']:.2f}%" in page
    for ind in want["indicators"]:
        cells = rows[ind["id"]]
        assert cells[0][0] == ind["name"]
        assert cells[1] == [f"{ind['weight']:.2f}%"]
        assert cells[2] == [f"{ind['combined']:.2f}%"]


def test_rule_a_trainees_index_is_the_combined_weight_mean_of_their_indicators(signed_in):
    client, me = signed_in("trainee")
    services.record_evidence(agent=me, indicator_id="communication", value=90, source_kind="practice")
    services.record_evidence(agent=me, indicator_id="it_skills", value=60, source_kind="typing")
    page = client.get(client.get("/competency/me").headers["Location"]).get_data(as_text=True)
    # index = (11.55 * 90 + 9.14 * 60) / (11.55 + 9.14)
    assert f'id="index-value">{(11.55 * 90 + 9.14 * 60) / 20.69:.1f}<' in page
    assert "覆盖度 21%" in page


def test_rule_the_mastery_method_decides_an_indicators_score(signed_in, make_user):
    client, _ = signed_in("hr")
    agent = make_user("trainee")
    for value in (40, 60, 100):
        services.record_evidence(agent=agent, indicator_id="teamwork", value=value, source_kind="exam")
    url = f"/competency/agents/{agent.id}"
    assert 'id="index-value">100.0<' in client.get(url + "?method=highest").get_data(as_text=True)
    assert 'id="index-value">66.7<' in client.get(url + "?method=mean").get_data(as_text=True)
    assert 'id="index-value">82.5<' in client.get(url).get_data(as_text=True)  # .65*100 + .35*50
    assert 'id="index-value">82.5<' in client.get(url + "?method=bogus").get_data(as_text=True)


def test_rule_evidence_is_append_only_through_the_orm(make_user):
    agent = make_user("trainee")
    evidence = services.record_evidence(agent=agent, indicator_id="teamwork", value=50, source_kind="exam")
    evidence.value = 99
    with pytest.raises(EvidenceIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(Evidence, evidence.id))
    with pytest.raises(EvidenceIsAppendOnly):
        db.session.commit()
    db.session.rollback()


def test_rule_evidence_is_append_only_in_the_database_too(make_user):
    agent = make_user("trainee")
    evidence = services.record_evidence(agent=agent, indicator_id="teamwork", value=50, source_kind="exam")
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE evidence SET value = 99 WHERE id = :id"), {"id": evidence.id})
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("DELETE FROM evidence WHERE id = :id"), {"id": evidence.id})
    db.session.rollback()
    assert db.session.get(Evidence, evidence.id).value == 50


def test_rule_an_evidence_value_is_clamped_to_0_100(make_user):
    agent = make_user("trainee")
    assert services.record_evidence(agent=agent, indicator_id="teamwork", value=130, source_kind="x").value == 100
    assert services.record_evidence(agent=agent, indicator_id="teamwork", value=-5, source_kind="x").value == 0


def test_rule_a_correction_supersedes_once_and_keeps_the_original(make_user, make_team, client):
    from tests.conftest import login

    lead = make_user("supervisor")
    agent = make_user("trainee", team=make_team("一组", [lead]))
    original = services.record_evidence(agent=agent, indicator_id="teamwork", value=30, source_kind="exam")
    login(client, lead.username)
    old = client.get(f"/competency/agents/{agent.id}/evidence/{original.id}/correct")
    url = f"/review/evidence/{original.id}/correct"
    assert (old.status_code, old.headers["Location"]) == (308, url)  # corrections moved to the review room
    response = post_form(client, url, {"value": "85", "reason": "阅卷时漏看了第二页"})
    assert response.status_code == 302
    correction = db.session.query(Evidence).filter_by(supersedes_id=original.id).one()
    assert (correction.value, correction.source_kind, correction.recorded_by_id) == (85, "correction", lead.id)
    assert db.session.get(Evidence, original.id).value == 30
    assert services.profile(agent).index == 85
    page = client.get(f"/competency/agents/{agent.id}").get_data(as_text=True)
    assert 'class="superseded"' in page
    again = post_form(client, url, {"value": "90", "reason": "再改一次"})
    assert again.status_code == 400
    assert "这条记录已被更正过" in again.get_data(as_text=True)
    trail = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "correction")).all()
    assert [(r.actor_id, r.before["value"], r.after["value"], r.reason) for r in trail] == [
        (lead.id, 30, 85, "阅卷时漏看了第二页")]


def test_rule_a_correction_needs_a_score_in_range_and_a_reason(signed_in, make_user):
    client, _ = signed_in("hr")
    agent = make_user("trainee")
    original = services.record_evidence(agent=agent, indicator_id="teamwork", value=30, source_kind="exam")
    url = f"/review/evidence/{original.id}/correct"
    response = post_form(client, url, {"value": "150", "reason": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "分数应在 0 到 100 之间" in page and "请说明更正原因" in page
    zero = post_form(client, url, {"value": "0", "reason": "作弊, 成绩作废"})
    assert zero.status_code == 302


def test_rule_correcting_someone_elses_evidence_is_404(signed_in, make_user):
    client, _ = signed_in("hr")
    a, b = make_user("trainee"), make_user("trainee")
    evidence = services.record_evidence(agent=a, indicator_id="teamwork", value=30, source_kind="exam")
    assert client.get(f"/competency/agents/{b.id}/evidence/{evidence.id}/correct").status_code == 404


def test_rule_a_trainee_cannot_correct_evidence(signed_in):
    client, me = signed_in("trainee")
    evidence = services.record_evidence(agent=me, indicator_id="teamwork", value=30, source_kind="exam")
    assert client.get(f"/competency/agents/{me.id}/evidence/{evidence.id}/correct").status_code == 403


def test_model_page_lists_weights_and_versions(signed_in):
    client, _ = signed_in("trainee")
    page = client.get("/competency/model").get_data(as_text=True)
    assert "人际沟通能力" in page and "11.55%" in page and "v1" in page
