"""Batch scoring (the CLI/API interface), key points, and masking of personal data."""

import json

from hypothesis import given
from hypothesis import strategies as st

from trainer.scoring.batch import score_csv, score_jsonl, score_object
from trainer.scoring.keypoints import KeyPoint, cover, coverage
from trainer.scoring.privacy import mask


def test_jsonl_bad_lines_get_error_objects_and_the_run_goes_on(rules):
    lines = [
        json.dumps({"id": "a", "text": "您好,请问有什么可以帮您?"}).encode(),
        b"",
        b"{not json",
        "中文".encode("gbk"),
        json.dumps({"id": "d", "text": "x" * 5001}).encode(),
        json.dumps({"id": "e", "text": 5}).encode(),
        json.dumps({"id": "f", "text": "您好", "script": "nope"}).encode(),
        json.dumps(["a list"]).encode(),
    ]
    results = list(score_jsonl(lines, rules))
    assert results[0]["id"] == "a" and "error" not in results[0]
    assert [(r["id"], r["code"], r["line"]) for r in results[1:]] == [
        (None, "bad_json", 3), (None, "not_utf8", 4), ("d", "too_long", 5), ("e", "not_text", 6),
        ("f", "unknown_script", 7), (None, "bad_json", 8),
    ]
    assert results[3]["error"] == "text 超过 5000 字，已拒绝。"


def test_report_shape_matches_the_interface(rules):
    result = score_object({"id": 9, "text": "喂,什么事?", "script": "phone_opening"}, rules)
    assert set(result) >= {"id", "score", "passed", "banned", "required", "missing"}
    assert result["banned"][0] == {"phrase": "喂", "matched": "喂", "start": 0, "end": 1, "severity": "minor",
                                   "suggestion": result["banned"][0]["suggestion"]}
    assert result["missing"] == ["greeting", "self_intro", "offer_help"]


def test_csv_export(rules):
    data = "id,text,script\r\n1,\"您好,请问有什么可以帮您?\",phone_opening\r\n2,这事我们不管,\r\n".encode()
    results = list(score_csv(data, rules))
    assert [r["id"] for r in results] == ["1", "2"]
    assert results[0]["script"] == "phone_opening" and results[1]["script"] == "any"
    assert [b["phrase"] for b in results[1]["banned"]] == ["我们不管"]


def test_csv_non_utf8_row(rules):
    data = b"id,text\n1," + "不知道".encode("gbk") + b"\n2,ok\n"
    results = list(score_csv(data, rules))
    assert results[0]["code"] == "not_utf8" and "error" not in results[1]


POINTS = (
    KeyPoint("room", "询问房号", ("房号", "门牌", "几栋", "几号楼")),
    KeyPoint("time", "给出时间承诺", ("30…分钟", "马上", "今天")),
)


def test_key_points_are_width_script_and_space_insensitive():
    results = cover("請問您的門牌號碼是? 我們 30 分鐘內 到。", POINTS)
    assert [(r.id, r.covered, r.matched) for r in results] == [("room", True, "門牌"), ("time", True, "30 分鐘")]
    assert coverage(results) == 1.0
    assert coverage(cover("好的。", POINTS)) == 0.0


def test_masking_keeps_length_and_hides_digits():
    text = "我电话13812345678,身份证110105199001011234,邮箱zhang.san@example.com"
    masked = mask(text)
    assert len(masked) == len(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "110105199001011234" not in masked and masked.count("*") >= 4 + 10
    assert "z********@example.com" in masked


def test_masking_leaves_ordinary_numbers_alone():
    assert mask("3栋2单元1502, 30分钟内到, 订单 20261125") == "3栋2单元1502, 30分钟内到, 订单 20261125"


@given(st.text(max_size=200))
def test_masking_never_changes_length(text):
    assert len(mask(text)) == len(text)
