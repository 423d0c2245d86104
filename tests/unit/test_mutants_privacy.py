"""Rules of trainer.scoring.privacy that mutation testing found unguarded (see tests/MUTANTS.md)."""

from trainer.scoring.privacy import mask


def test_rule_masking_keeps_the_spaces_and_dashes_that_group_a_number():
    assert mask("卡号6222-0212-3456-7890") == "卡号****-****-****-7890"
    assert mask("卡号 6222 0212 3456 7890") == "卡号 **** **** **** 7890"


def test_rule_every_hidden_character_becomes_a_star_whatever_letter_it_is():
    assert mask("邮箱 aXelX@example.com") == "邮箱 a****@example.com"
