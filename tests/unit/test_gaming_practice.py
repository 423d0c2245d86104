"""Course practice blocks cannot be gamed: a stuffed generic paragraph, a list of the block's own key-point
words, or another course's model answer never passes; every block's own model answer does.

Runs over every shipped practice block (the issue asks for at least ten)."""

from __future__ import annotations

import pytest

from tests.conftest import repository_content
from trainer.scoring.grade import Situation, grade_reply

STUFFED = ("非常抱歉给您添麻烦了，理解您的心情，请您放心，我们马上安排处理。请问您的房号、联系电话和订单号是多少？"
           "我这边会上报主管，联系工程部派人到现场查看，2小时内回复您，有任何进展都会第一时间通知您。"
           "感谢您的耐心和对我们工作的支持，也感谢您及时反映问题，还有其他可以帮您的吗？祝您生活愉快，再见！")


def _content():
    content = repository_content()
    assert content.errors == (), content.errors[:5]
    return content


CONTENT = _content()
BLOCKS = [(course.slug, block) for course in CONTENT.courses.values() for block in course.practices]


def _grade(block, text):
    situation = Situation(key_points=block.key_points, facts=block.facts, domain=block.domain, channel=block.channel,
                          references=(block.prompt, block.model_answer))
    return grade_reply(text, block.script, CONTENT.rules, situation)


def test_there_are_at_least_ten_practice_blocks_with_model_answers():
    assert len(BLOCKS) >= 10
    assert all(block.model_answer and block.key_points for _, block in BLOCKS)


@pytest.mark.parametrize("slug, block", BLOCKS, ids=[b.id for _, b in BLOCKS])
def test_rule_every_model_answer_passes_its_own_block(slug, block):
    graded = _grade(block, block.model_answer)
    assert graded.passed, [(p.id, p.score, p.reason) for p in graded.parts]


@pytest.mark.parametrize("slug, block", BLOCKS, ids=[b.id for _, b in BLOCKS])
def test_rule_a_stuffed_generic_paragraph_does_not_pass(slug, block):
    assert not _grade(block, STUFFED).passed


@pytest.mark.parametrize("slug, block", BLOCKS, ids=[b.id for _, b in BLOCKS])
def test_rule_a_list_of_the_blocks_own_key_words_does_not_pass(slug, block):
    words = [phrase.replace("…", "") for point in block.key_points for phrase in point.phrases[:2]]
    assert not _grade(block, " ".join([*words, "抱歉", "放心", "谢谢", "再见"])).passed


@pytest.mark.parametrize("slug, block", BLOCKS, ids=[b.id for _, b in BLOCKS])
def test_rule_another_courses_model_answer_does_not_pass(slug, block):
    others = [b for s, b in BLOCKS if s != slug and b.script != block.script]
    passing = [b.id for b in others if _grade(block, b.model_answer).passed]
    assert len(passing) <= len(others) // 10, passing  # an unrelated answer passing at all is rare and reviewed
