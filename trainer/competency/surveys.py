"""Delphi surveys: HR invites experts, runs rounds of importance ratings, and turns the final round into weights.

Each expert rates every first- and second-level indicator 1-5 once per round; from round 2 on they see
the panel's figures of the round before and their own earlier ratings (controlled feedback). The figures
come from the pure arithmetic in delphi.py. A round closes when HR closes it, or by itself once every
invited expert has answered and the stop rule holds for BOTH levels (first-level items; all second-level
items): Kendall's W >= min_w with p < alpha, and every item's CV <= max_cv. The final (latest closed)
round's normalised means become a new weight-set version through weights.create_weight_set.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..extensions import db
from ..messages import ServiceError
from ..review import audit
from ..timeutil import utcnow
from . import delphi, weights
from .models import Indicator, WeightSet
from .survey_models import DelphiExpert, DelphiItem, DelphiRating, DelphiResponse, DelphiRound, DelphiSurvey

logger = logging.getLogger(__name__)

#: Stop-rule defaults. W >= 0.3: the reference study stopped at W = 0.317 (first level) / 0.496 (second
#: level); CV <= 0.25 is the usual Delphi ceiling for an item still contested; alpha = 0.05 for the χ² test.
DEFAULT_MIN_W = 0.3
DEFAULT_MAX_CV = 0.25
DEFAULT_ALPHA = 0.05
LIKERT = range(1, 6)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- surveys and experts -------------------------------------------------------------------------------


def create_survey(by: User, *, title: str, description: str = "", min_w: float = DEFAULT_MIN_W,
                  max_cv: float = DEFAULT_MAX_CV, alpha: float = DEFAULT_ALPHA) -> DelphiSurvey:
    """A survey over the model's current first- and second-level indicators."""
    if not (0 <= min_w <= 1 and max_cv > 0 and 0 < alpha < 1) or any(map(math.isnan, (min_w, max_cv, alpha))):
        raise ServiceError("delphi.bad_stop_rule")
    indicators = list(db.session.scalars(select(Indicator).where(Indicator.retired.is_(False))
                                         .order_by(Indicator.level, Indicator.position)))
    tops = [i for i in indicators if i.level == 1]
    children = [i for i in indicators if i.level == 2 and i.parent_id in {t.id for t in tops}]
    if len(tops) < 2 or not children:
        raise ServiceError("delphi.no_model")
    survey = DelphiSurvey(title=title.strip()[:200], description=(description or "").strip(), status="draft",
                          min_w=min_w, max_cv=max_cv, alpha=alpha, created_by_id=by.id)
    order: dict[str | None, int] = {t.id: n for n, t in enumerate(tops)}  # looked up by parent_id
    children.sort(key=lambda c: (order[c.parent_id], c.position))
    for n, ind in enumerate([*tops, *children]):
        survey.items.append(DelphiItem(indicator_id=ind.id, level=ind.level, parent_id=ind.parent_id, position=n))
    db.session.add(survey)
    db.session.commit()
    logger.info("Delphi survey %s created by %s", survey.id, by.username)
    return survey


def all_surveys() -> list[DelphiSurvey]:
    return list(db.session.scalars(select(DelphiSurvey).order_by(DelphiSurvey.id.desc())))


def surveys_of_expert(user: User) -> list[DelphiSurvey]:
    return list(db.session.scalars(select(DelphiSurvey).join(DelphiExpert).where(DelphiExpert.user_id == user.id)
                                   .order_by(DelphiSurvey.id.desc())))


def _not_ended(survey: DelphiSurvey) -> None:
    if survey.status == "ended":
        raise ServiceError("delphi.survey_ended", 409)


def add_platform_expert(survey: DelphiSurvey, by: User, user: User) -> DelphiExpert:
    _not_ended(survey)
    if user.role not in ("supervisor", "hr") or not user.active:
        raise ServiceError("delphi.expert_role")
    if expert_for_user(survey, user) is not None:
        raise ServiceError("delphi.expert_twice", 409, name=user.display_name)
    expert = DelphiExpert(survey_id=survey.id, user_id=user.id, name=user.display_name, invited_by_id=by.id)
    db.session.add(expert)
    db.session.commit()
    return expert


def add_outside_expert(survey: DelphiSurvey, by: User, *, name: str, affiliation: str = "") -> tuple[DelphiExpert, str]:
    """An expert without an account, reached by a personal link; returns the link token (shown once)."""
    _not_ended(survey)
    if not (name or "").strip():
        raise ServiceError("delphi.expert_name")
    expert = DelphiExpert(survey_id=survey.id, name=name.strip()[:80], affiliation=(affiliation or "").strip()[:120],
                          invited_by_id=by.id)
    db.session.add(expert)
    token = _new_token(expert)
    db.session.commit()
    return expert, token


def regenerate_link(expert: DelphiExpert) -> str:
    """A new personal link for an outside expert; the old one stops working at once."""
    _not_ended(expert.survey)
    if not expert.outside:
        raise ServiceError("delphi.not_outside")
    token = _new_token(expert)
    db.session.commit()
    return token


def _new_token(expert: DelphiExpert) -> str:
    token = secrets.token_urlsafe(32)
    expert.token_hash, expert.token_created_at = _digest(token), utcnow()
    return token


def expert_for_token(token: str) -> DelphiExpert | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(DelphiExpert).where(DelphiExpert.token_hash == _digest(token)))


def expert_for_user(survey: DelphiSurvey, user: User) -> DelphiExpert | None:
    return db.session.scalar(select(DelphiExpert).where(DelphiExpert.survey_id == survey.id,
                                                        DelphiExpert.user_id == user.id))


# --- rounds --------------------------------------------------------------------------------------------


def current_round(survey: DelphiSurvey) -> DelphiRound | None:
    """The round open now, if any."""
    return next((r for r in survey.rounds if r.is_open), None)


def get_round(survey: DelphiSurvey, number: int) -> DelphiRound | None:
    return next((r for r in survey.rounds if r.number == number), None)


def open_round(survey: DelphiSurvey, by: User) -> DelphiRound:
    _not_ended(survey)
    still = current_round(survey)
    if still is not None:
        raise ServiceError("delphi.round_still_open", 409, number=still.number)
    if len(survey.experts) < 2:
        raise ServiceError("delphi.too_few_experts")
    number = max((r.number for r in survey.rounds), default=0) + 1
    row = DelphiRound(survey_id=survey.id, number=number, opened_by_id=by.id)
    db.session.add(row)
    survey.status = "running"
    db.session.commit()
    logger.info("Delphi survey %s round %s opened by %s", survey.id, number, by.username)
    return row


def close_round(row: DelphiRound, by: User | None, reason: str = "hr") -> None:
    if not row.is_open:
        raise ServiceError("delphi.round_over", 409, number=row.number)
    row.closed_at, row.closed_by_id, row.close_reason = utcnow(), by.id if by else None, reason
    db.session.commit()
    logger.info("Delphi survey %s round %s closed (%s)", row.survey_id, row.number, reason)


def end_survey(survey: DelphiSurvey, by: User) -> None:
    """No more rounds or answers; an open round closes with it."""
    _not_ended(survey)
    now = utcnow()
    for row in survey.rounds:
        if row.is_open:
            row.closed_at, row.closed_by_id, row.close_reason = now, by.id, "hr"
    survey.status, survey.ended_at = "ended", now
    db.session.commit()


def submitted_counts(survey: DelphiSurvey) -> dict[int, int]:
    """Answers per round number (one query)."""
    rows = db.session.execute(select(DelphiRound.number, func.count(DelphiResponse.id))
                              .join(DelphiResponse, DelphiResponse.round_id == DelphiRound.id)
                              .where(DelphiRound.survey_id == survey.id).group_by(DelphiRound.number))
    return dict(rows.all())


def response_of(expert: DelphiExpert, row: DelphiRound | None) -> DelphiResponse | None:
    if row is None:
        return None
    return db.session.scalar(select(DelphiResponse).where(DelphiResponse.round_id == row.id,
                                                          DelphiResponse.expert_id == expert.id))


def submit(expert: DelphiExpert, round_id: int | None, ratings: dict[str, object], comments: dict[str, str],
           proposal: str = "") -> tuple[DelphiResponse, bool]:
    """Record one expert's answer to one round; True as well when it closed the round (the stop rule held).

    Refused, with nothing written: a survey that has ended, a round of another survey, a closed round, a
    second answer to the same round, a missing rating or one outside 1-5.
    """
    survey = expert.survey
    _not_ended(survey)
    row = db.session.get(DelphiRound, round_id) if round_id else None
    if row is None or row.survey_id != survey.id:
        raise ServiceError("delphi.wrong_survey", 403)
    if not row.is_open:
        raise ServiceError("delphi.round_over", 409, number=row.number)
    if response_of(expert, row) is not None:
        raise ServiceError("delphi.already_submitted", 409, number=row.number)
    values = {}
    for item in survey.items:
        value = ratings.get(item.indicator_id)
        text = str(value).strip() if value is not None else ""
        if not text.isdigit() or int(text) not in LIKERT:
            raise ServiceError("delphi.bad_rating", indicator=item.indicator.name)
        values[item.indicator_id] = int(text)
    response = DelphiResponse(round_id=row.id, expert_id=expert.id, proposal=(proposal or "").strip()[:2000])
    for ident, value in values.items():
        response.ratings.append(DelphiRating(indicator_id=ident, rating=value,
                                             comment=(comments.get(ident) or "").strip()[:500]))
    db.session.add(response)
    try:
        db.session.flush()
    except IntegrityError:  # the same link submitted twice at the same moment
        db.session.rollback()
        raise ServiceError("delphi.already_submitted", 409, number=row.number) from None
    closed = False
    db.session.expire(row, ["responses"])
    if len(row.responses) >= len(survey.experts):
        results = round_results(row)
        if results.converged:
            row.closed_at, row.close_reason = utcnow(), "consensus"
            closed = True
    db.session.commit()
    logger.info("Delphi survey %s round %s answered by expert %s", survey.id, row.number, expert.id)
    return response, closed


# --- results -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundResults:
    round: DelphiRound
    answers: int
    first: delphi.RoundSummary | None
    second: delphi.RoundSummary | None
    #: second-level weights (percent) within each first-level indicator
    within: dict[str, dict[str, float]] | None
    combined: dict[str, float] | None
    stop_first: bool
    stop_second: bool
    comments: list[tuple[str, str, str]]  # (expert name, indicator id, comment)
    proposals: list[tuple[str, str]]  # (expert name, proposed indicator)

    @property
    def converged(self) -> bool:
        return self.stop_first and self.stop_second

    @property
    def ratings_by_expert(self) -> dict[int, dict[str, int]]:
        return {r.expert_id: {x.indicator_id: x.rating for x in r.ratings} for r in self.round.responses}


def round_results(row: DelphiRound) -> RoundResults:
    """A round's figures per item and per level, the weights they give and whether the stop rule holds."""
    survey = row.survey
    responses = list(row.responses)
    tops = [i for i in survey.items if i.level == 1]
    subs = [i for i in survey.items if i.level == 2]
    matrix = [{x.indicator_id: x.rating for x in r.ratings} for r in responses]
    first = _summary(matrix, [i.indicator_id for i in tops])
    second = _summary(matrix, [i.indicator_id for i in subs])
    within = combined = None
    if first is not None and second is not None and first.weights is not None:
        within = {}
        for top in tops:
            ids = [i.indicator_id for i in subs if i.parent_id == top.indicator_id]
            within[top.indicator_id] = dict(zip(ids, delphi.weights_from_means(
                [second.stats[i].mean for i in ids]), strict=True)) if ids else {}
        combined = delphi.combined_weights(first.weights, within)
    stop = [s is not None and delphi.stop_rule(s.w, s.p, [v.cv for v in s.stats.values()], min_w=survey.min_w,
                                               max_cv=survey.max_cv, alpha=survey.alpha) for s in (first, second)]
    names = {r.id: r.expert.name for r in responses}
    comments = [(names[r.id], x.indicator_id, x.comment) for r in responses for x in r.ratings if x.comment]
    proposals = [(names[r.id], r.proposal) for r in responses if r.proposal]
    return RoundResults(row, len(responses), first, second, within, combined, stop[0], stop[1], comments, proposals)


def _summary(matrix: list[dict[str, int]], ids: list[str]) -> delphi.RoundSummary | None:
    if len(matrix) < 2 or len(ids) < 2:
        return None
    return delphi.summarise_round([[answer[i] for i in ids] for answer in matrix], ids)


def feedback(expert: DelphiExpert, row: DelphiRound) -> tuple[RoundResults | None, dict[str, int]]:
    """Controlled feedback for round 2 on: the panel's figures of the round before, and the expert's own ratings."""
    previous = get_round(expert.survey, row.number - 1)
    if previous is None:
        return None, {}
    mine = response_of(expert, previous)
    return round_results(previous), ({x.indicator_id: x.rating for x in mine.ratings} if mine else {})


def final_round(survey: DelphiSurvey) -> DelphiRound | None:
    closed = [r for r in survey.rounds if not r.is_open]
    return closed[-1] if closed else None


def apply_weights(survey: DelphiSurvey, by: User, effective_from: date | None = None) -> WeightSet:
    """The final round's normalised means as a new weight-set version (levels sum to 100 by construction)."""
    if survey.weight_set is not None:
        raise ServiceError("delphi.weights_twice", 409, version=survey.weight_set.version)
    latest = survey.rounds[-1] if survey.rounds else None
    if latest is not None and latest.is_open:
        raise ServiceError("delphi.last_round_open", 409, number=latest.number)
    row = final_round(survey)
    if row is None:
        raise ServiceError("delphi.no_closed_round", 409)
    results = round_results(row)
    # (within is only worked out when both levels have their summary)
    if (results.first is None or results.second is None or results.within is None
            or results.first.weights is None):
        raise ServiceError("delphi.too_few_answers", 409, number=row.number, count=results.answers)
    provenance = {"kind": "delphi", "survey": survey.id, "survey_title": survey.title, "round": row.number,
                  "w": {"first_level": round(results.first.w, 4), "second_level": round(results.second.w, 4)},
                  "p": {"first_level": results.first.p, "second_level": results.second.p},
                  "experts": results.answers}
    audit.record(actor=by, action="delphi_weights", target=f"delphi_survey:{survey.id}", after=provenance,
                 reason=survey.title)
    try:
        weight_set = weights.create_weight_set(
            first=dict(results.first.weights), second=results.within, by=by, provenance=provenance,
            label=f"德尔菲调查《{survey.title}》第 {row.number} 轮", effective_from=effective_from,
            note=f"{results.answers} 位专家; W = {results.first.w:.3f} / {results.second.w:.3f}")
    except ServiceError:
        db.session.rollback()
        raise
    survey.weight_set_id, survey.status = weight_set.id, "ended"
    survey.ended_at = survey.ended_at or utcnow()
    db.session.commit()
    logger.info("Delphi survey %s round %s made weight set v%s (by %s)", survey.id, row.number, weight_set.version,
                by.username)
    return weight_set
