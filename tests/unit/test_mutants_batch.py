"""Rules of trainer.scoring.batch that mutation testing found unguarded (see tests/MUTANTS.md)."""

import json

from trainer.scoring.batch import score_csv, score_jsonl, score_object


def codes(results):
    return [(r.get("id"), r.get("code"), r.get("line")) for r in results]


def test_rule_an_object_without_text_is_refused_with_its_id_and_line(rules):
    assert score_object({"id": 7}, rules, line=3) == {
        "id": 7, "error": "缺少 text 字段 (字符串)。", "code": "no_text", "line": 3,
    }


def test_rule_a_script_that_is_not_a_string_is_refused_with_its_id_and_line(rules):
    assert score_object({"id": 7, "text": "您好", "script": 5}, rules, line=4) == {
        "id": 7, "error": "script 必须是字符串。", "code": "bad_script", "line": 4,
    }


def test_rule_an_unknown_script_is_named_in_the_error(rules):
    result = score_object({"id": 7, "text": "您好", "script": "nope"}, rules, line=2)
    assert result == {"id": 7, "error": "未知的话术类型 'nope'。", "code": "unknown_script", "line": 2}


def test_rule_a_text_of_exactly_the_limit_is_scored(rules):
    limit = rules.scoring.max_chars
    assert "error" not in score_object({"id": 1, "text": "好" * limit}, rules)
    assert score_object({"id": 1, "text": "好" * (limit + 1)}, rules)["code"] == "too_long"


def test_rule_the_default_script_applies_to_lines_that_name_none(rules):
    line = json.dumps({"id": "a", "text": "您好"}).encode()
    assert codes(score_jsonl([line], rules, "nope")) == [("a", "unknown_script", 1)]
    assert next(score_jsonl([line], rules, "phone_opening"))["script"] == "phone_opening"
    data = "id,text\r\n1,您好\r\n".encode()
    assert codes(score_csv(data, rules, "nope")) == [("1", "unknown_script", 2)]


def test_rule_csv_errors_carry_the_rows_id_and_line(rules):
    data = "id,text,script\r\n1,您好,nope\r\n2,,\r\n".encode() + b"3,\x80abc\r\n4,abc\xff\r\n"
    assert codes(score_csv(data, rules)) == [
        ("1", "unknown_script", 2), ("2", "no_text", 3), ("3", "not_utf8", 4), ("4", "not_utf8", 5),
    ]


def test_rule_a_csv_may_start_with_a_byte_order_mark(rules):
    data = "\ufeffid,text\r\n1,您好\r\n".encode()
    assert [r["id"] for r in score_csv(data, rules)] == ["1"]


def test_rule_a_quoted_csv_text_keeps_its_line_breaks_so_spans_point_at_the_reply(rules):
    text = "第一行\r\n这事我们不管"
    data = ('id,text\r\n1,"' + text + '"\r\n').encode()
    (result,) = score_csv(data, rules)
    hit = result["banned"][0]
    assert text[hit["start"]:hit["end"]] == "我们不管"
