"""The last chapter of the demo story: a finished Delphi survey HR can read (and turn into weights), and
promotions — one confirmed months ago, one declined with a reason, and 林小雨 waiting on the list for 中级.

Made through the real services (trainer/competency/surveys.py and promotions.py) inside `dated(…)`, as the
rest of the history is, because answers and grade decisions are append-only and cannot be re-dated later.

The survey re-checks the shipped model's weights two months ago: eight experts (HR and both supervisors on
the platform, five outside experts by personal link) rate every indicator 1-5. Their ratings are drawn
around an importance derived from the shipped weights, noisily in round 1 and, after the panel's feedback,
close to the panel's figures in round 2 — so round 2 agrees more (higher Kendall W at both levels, lower
CVs), which is what a Delphi survey is for. The survey is ended but its weights are NOT applied: the
shipped weights stay active and HR can apply the survey's result with one click, as a real HR would decide to.
"""

from __future__ import annotations

import logging
import random
import statistics
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from ..accounts.models import Team, User
from ..competency import delphi, promotions, services, surveys
from ..competency.survey_models import DelphiExpert, DelphiItem, DelphiSurvey
from ..extensions import db
from ..messages import ServiceError
from .activity import Agent, dated, moment

logger = logging.getLogger(__name__)

SURVEY_TITLE = "投诉处理岗位能力模型权重复核"
SURVEY_DESCRIPTION = ("请按您的经验，为每个指标对投诉处理岗位的重要程度打分（5 = 绝对重要，1 = 稍微重要）。"
                      "第 2 轮起您会看到上一轮全体专家的均值、标准差和变异系数，以及您自己上一轮的评分。")
#: invited by personal link: (name, affiliation)
OUTSIDE_EXPERTS = (
    ("郑文博", "华南物业管理协会 培训部主任"),
    ("许慧敏", "江城大学管理学院 副教授"),
    ("韩志强", "阳光物业 客户服务总监"),
    ("唐雪", "优选商城售后服务部 经理"),
    ("冯立新", "华信呼叫中心咨询 高级顾问"),
)
#: round 1's remarks: (expert index, indicator id, comment) and one proposed indicator
COMMENTS = (
    (3, "self_motivation", "自我激励更多影响长期发展，对当下把一起投诉处理好的作用有限。"),
    (5, "it_skills", "录入速度系统里能直接统计，建议和打字测试的成绩挂钩。"),
)
PROPOSAL = (6, "建议增设“服务规范与合规意识”：熟悉消费者权益保护的相关规定，答复不越权、不承诺做不到的事。")
ROUND_TWO_COMMENT = (4, "understanding_needs", "看过上一轮的结果，同意把理解客户需求放在专业能力的首位。")

#: Likert importance an indicator with its group's largest weight gets; the smallest possible is 1
TOP_IMPORTANCE = 4.7
#: spread of one expert's rating around the indicator's importance: first impressions, then after feedback
ROUND_ONE_NOISE, ROUND_TWO_NOISE = 1.0, 0.25
#: how much of their round-1 difference from the panel an expert keeps in round 2
KEEPS_OWN_VIEW = 0.25
#: how many times round 2 may be drawn before the demo settles for what it got
ROUND_TWO_DRAWS = 20

CONFIRMED = ("wang-fang", "senior", "司龄满一年，近半年无违规；人际沟通和理解客户需求两项都达到高级要求，"
             "带教新人、汇总每月客户反馈的工作也做得扎实，确认晋级高级。")
DECLINED = ("zhou-ting", "intermediate", "各项条件已达到中级要求，但投诉专席的录音复核显示理解客户需求仍明显偏弱，"
            "先加练投诉处理场景，下个月再评。")


def surveys_and_promotions(*, hr: User, agents: list[Agent], teams: dict[str, Team], now: datetime,
                           rng: random.Random) -> None:
    """The finished survey and the promotion decisions, on the finished history (standings rebuilt)."""
    leads = [lead for key in ("a", "b") if key in teams for lead in teams[key].supervisors]
    delphi_survey(hr, leads, now, rng)
    promotion_history({a.user.username: a.user for a in agents}, hr, now, rng)


# --- the survey ----------------------------------------------------------------------------------------


def importance(survey: DelphiSurvey) -> dict[str, float]:
    """The importance (1-5) the panel leans towards for each indicator: the shipped weights, mapped linearly
    so that each group's heaviest indicator sits at TOP_IMPORTANCE and a weight of 0 would be 1.

    Normalising such means gives weights near (a little flatter than) the shipped ones, so the survey reads
    as a re-check that broadly confirms the model rather than as noise.
    """
    model = services.model_view()
    weights = {g.id: g.weight for g in model.groups} if model else {}
    for group in model.groups if model else ():
        weights.update({i.id: i.weight for i in group.indicators})
    levels: dict[str | None, list[DelphiItem]] = {}
    for item in survey.items:
        levels.setdefault(item.parent_id if item.level == 2 else None, []).append(item)
    result = {}
    for items in levels.values():
        largest = max((weights.get(i.indicator_id, 0.0) for i in items), default=0.0) or 1.0
        for item in items:
            share = weights.get(item.indicator_id, largest) / largest
            result[item.indicator_id] = 1 + (TOP_IMPORTANCE - 1) * share
    return result


def _likert(value: float) -> int:
    return max(1, min(5, round(value)))


def panel_ratings(centre: Mapping[str, float], levels: Sequence[Sequence[str]], experts: int, rng: random.Random,
                  survey: DelphiSurvey) -> tuple[list[dict[str, int]], list[dict[str, int]]]:
    """Both rounds' ratings, one dict per expert.

    Round 1: each expert's first impression — the indicator's importance, their own leniency and a wide
    scatter. Round 2: having seen the panel's round-1 means, each expert moves most of the way towards
    them (and the underlying importance), keeping a quarter of their own difference, with little scatter.
    Eight experts on a 1-5 scale can still, by bad luck, agree less the second time; since the demo is
    there to show a survey converging, round 2 is drawn again (a few times at most) until it agrees more
    than round 1 at every level and meets the survey's stop rule — so it closes itself by consensus.
    """
    leniency = [rng.uniform(-0.4, 0.4) for _ in range(experts)]
    first = [{i: _likert(c + leniency[k] + rng.gauss(0, ROUND_ONE_NOISE)) for i, c in centre.items()}
             for k in range(experts)]
    means = {i: statistics.fmean(r[i] for r in first) for i in centre}
    second: list[dict[str, int]] = []
    for _ in range(ROUND_TWO_DRAWS):
        second = [{i: _likert((means[i] + c) / 2 + KEEPS_OWN_VIEW * (first[k][i] - means[i]) + 0.3 * leniency[k]
                              + rng.gauss(0, ROUND_TWO_NOISE)) for i, c in centre.items()}
                  for k in range(experts)]
        if all(_converges(first, second, ids, survey) for ids in levels):
            break
    return first, second


def _converges(first: list[dict[str, int]], second: list[dict[str, int]], ids: Sequence[str],
               survey: DelphiSurvey) -> bool:
    before, after = (delphi.summarise_round([[r[i] for i in ids] for r in answers], ids) for answers in (first, second))
    return after.w > before.w and delphi.stop_rule(after.w, after.p, [s.cv for s in after.stats.values()],
                                                   min_w=survey.min_w, max_cv=survey.max_cv, alpha=survey.alpha)


def _answer(expert: DelphiExpert, round_id: int, ratings: dict[str, int], at: datetime,
            comments: Sequence[tuple[int, str, str]], index: int, proposal: str = "") -> bool:
    notes = {ident: text for k, ident, text in comments if k == index}
    with dated(at):
        _, closed = surveys.submit(expert, round_id, {i: str(v) for i, v in ratings.items()}, notes, proposal)
    return closed


def delphi_survey(hr: User, leads: list[User], now: datetime, rng: random.Random) -> DelphiSurvey | None:
    """A two-round survey, created two months ago and ended six weeks ago; its weights left for HR to apply."""
    if db.session.scalar(select(DelphiSurvey).where(DelphiSurvey.title == SURVEY_TITLE)) is not None:
        return None
    start = now - timedelta(days=62)
    try:
        with dated(moment(start, now, rng)):
            survey = surveys.create_survey(hr, title=SURVEY_TITLE, description=SURVEY_DESCRIPTION)
        with dated(moment(start + timedelta(days=1), now, rng)):
            experts = [surveys.add_platform_expert(survey, hr, user) for user in [hr, *leads]]
            experts += [surveys.add_outside_expert(survey, hr, name=name, affiliation=where)[0]
                        for name, where in OUTSIDE_EXPERTS]
    except ServiceError as err:  # no model synced: the rest of the demo stands without a survey
        db.session.rollback()
        logger.warning("demo survey skipped: %s", err.text)
        return None
    levels = [[i.indicator_id for i in survey.items if i.level == level] for level in (1, 2)]
    first, second = panel_ratings(importance(survey), levels, len(experts), rng, survey)
    for number, (ratings, opened) in enumerate(((first, start + timedelta(days=2)),
                                                (second, start + timedelta(days=12))), start=1):
        with dated(moment(opened, now, rng)):
            row = surveys.open_round(survey, hr)
        closed = False
        for k, (expert, answer) in enumerate(zip(experts, ratings, strict=True)):
            at = moment(opened + timedelta(days=1 + k * 5 / len(experts)), now, rng)
            remarks = COMMENTS if number == 1 else (ROUND_TWO_COMMENT,)
            proposal = PROPOSAL[1] if number == 1 and k == PROPOSAL[0] else ""
            closed = _answer(expert, row.id, answer, at, remarks, k, proposal)
        if not closed:  # round 1 does not agree yet, so HR closes it; round 2 closes itself by the stop rule
            with dated(moment(opened + timedelta(days=7), now, rng)):
                surveys.close_round(row, hr)
    with dated(moment(start + timedelta(days=20), now, rng)):
        surveys.end_survey(survey, hr)
    return survey


# --- promotions ----------------------------------------------------------------------------------------


def promotion_history(users: dict[str, User], hr: User, now: datetime, rng: random.Random) -> None:
    """王芳's promotion to 高级 four months ago (she was 中级 until then) and 周婷's 中级 declined three weeks ago.

    王芳 is created as 高级, so she is put back to 中级 for the moment before HR's decision; the decision goes
    through promotions.confirm, which checks the rules against her scores as they stand. 林小雨 is left
    alone: she meets every rule of 中级 and waits on HR's list.
    """
    username, grade, reason = CONFIRMED
    agent = users.get(username)
    if agent is not None and agent.grade_code == grade and not promotions.history_of(agent):
        agent.grade_code = "intermediate"
        db.session.flush()
        try:
            with dated(moment(now - timedelta(days=122), now, rng)):
                promotions.confirm(agent, hr, to_code=grade, reason=reason)
        except ServiceError as err:
            db.session.rollback()
            agent.grade_code = grade
            db.session.commit()
            logger.warning("demo promotion of %s skipped: %s", username, err.text)
    username, grade, reason = DECLINED
    agent = users.get(username)
    if agent is not None and not promotions.history_of(agent):
        try:
            with dated(moment(now - timedelta(days=21), now, rng)):
                promotions.decline(agent, hr, to_code=grade, reason=reason)
        except ServiceError as err:
            db.session.rollback()
            logger.warning("demo decline of %s skipped: %s", username, err.text)
