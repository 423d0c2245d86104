"""The Excel question template (trainer/content/xlsx_bank.py) without the web app: every type through write → read,
the whole YAML bank round trip, text that looks like a formula, and each kind of bad input with its row message."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from dataclasses import replace
from datetime import time
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from trainer.content import xlsx_bank
from trainer.content.keypoints import KeyPointWords, checking_against
from trainer.content.questions import NumericAnswer, Option, Pair, Question, load_bank
from trainer.content.xlsx_bank import (
    EXAMPLE_MARK,
    GUIDE_SHEET,
    HEADER,
    SHEET,
    TYPE_LABELS,
    example_questions,
    read_workbook,
    template_workbook,
    write_workbook,
)
from trainer.scoring.keypoints import KeyPoint
from trainer.scoring.settings import Vocabulary

ROOT = Path(__file__).resolve().parents[2]
CATEGORIES = {"phone": "电话接听规范", "repair": "报修受理与工单时限"}
INDICATORS = frozenset({"product_knowledge", "communication"})
SCRIPTS = {"complaint", "repair"}


def _read(data: bytes, **kwargs):
    options = {"categories": CATEGORIES, "indicators": INDICATORS, "scripts": SCRIPTS} | kwargs
    return read_workbook(data, **options)


def _plain(questions) -> list[Question]:
    return [replace(q, path="", line=0) for q in questions]


def _workbook(*rows: dict[str, object], header: tuple[str, ...] = HEADER, title: str = SHEET) -> bytes:
    """A workbook as a person would make one in Excel: the header, then one row per dict (column name → cell)."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(name) for name in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = {"题型": "单选题", "题干": "业主来电报修时, 首先应当做什么？", "选项A": "直接派单", "选项B": "问清房号和问题",
        "选项C": "先挂断再回电", "答案": "B", "难度": 2, "分类": "电话接听规范", "能力指标": "product_knowledge",
        "解析": "先问清楚才能派对人。"}


PLAIN = {**GOOD, "选项A": None, "选项B": None, "选项C": None}  # a row for the types without options


def _row(**changes: object) -> dict[str, object]:
    return {**GOOD, **changes}


def _messages(data: bytes, **kwargs) -> list[str]:
    questions, errors = _read(data, **kwargs)
    assert errors and questions == [], "a workbook with any problem gives no questions at all"
    return [str(e) for e in errors]


# --- round trips -----------------------------------------------------------------------------------------------


def test_the_whole_bank_survives_write_and_read():
    categories, bank, problems = load_bank(ROOT / "question_bank" / "questions", ROOT, indicators=None, scripts=None)
    assert not problems
    names = {c.id: c.name for c in categories}
    back, errors = read_workbook(write_workbook(bank.values(), names), categories=names, indicators=None, scripts=None)
    assert errors == []
    assert _plain(back) == _plain(bank.values())
    assert {q.type for q in back} >= {"single", "multiple", "truefalse", "fill", "short", "reply"}


def _examples() -> list[Question]:
    return [replace(q, stem=q.stem.removeprefix(EXAMPLE_MARK))
            for q in example_questions("phone", "product_knowledge", "complaint")]


@pytest.mark.parametrize("qtype", list(TYPE_LABELS))
def test_each_type_round_trips(qtype):
    question = next(q for q in _examples() if q.type == qtype)
    back, errors = _read(write_workbook([question], CATEGORIES), path="xlsx:a.xlsx")
    assert errors == []
    assert _plain(back) == [question]
    assert back[0].path == "xlsx:a.xlsx" and back[0].line == 2


def test_the_harder_cases_round_trip():
    """Partial credit, separators inside values, key-point ids and acts, ranges with negative numbers, line breaks."""
    base = {"category": "repair", "difficulty": 3, "indicators": ("communication",), "source": "来源",
            "explanation": "解析\n第二行"}
    questions = [
        Question(id="w-single", type="single", stem="带得分比例的单选题", options=(
            Option("全对", True, 100.0), Option("不得分", False, 0.0), Option("倒扣", False, -25.0),
            Option("无", False)), **base),
        Question(id="w-partial", type="multiple", stem="部分得分的多选题", options=(
            Option("一半", True, 50.0), Option("另一半", True, 50.0), Option("错", False, -100.0)), **base),
        Question(id="w-multi", type="multiple", stem="多选 | 带竖线", options=(
            Option("A|1", True), Option("B=2", True), Option("C\\3", False)), **base),
        Question(id="w-fill", type="fill", stem="填 ____ 空", answers=("a|b", "c\\", "\\|", "x=y"), **base),
        Question(id="w-match", type="matching", stem="配对", pairs=(
            Pair("左=1", "右|1"), Pair("左2", "右=2"), Pair("", "干扰")), **base),
        Question(id="w-num", type="numerical", stem="数值", numeric=(
            NumericAnswer(value=-3.5, tolerance=0.25, feedback="对 #1 | 好"), NumericAnswer(low=-10.0, high=-4.0,
                                                                                       weight=33.5),
            NumericAnswer(value=1e-7, weight=0.0)), wrong_feedback="再想想", **base),
        Question(id="w-short", type="short", stem="简答", pass_ratio=0.75, key_points=(
            KeyPoint("room", "[房号] 要问 = 清楚", ("房号", "a|b", "x@y"), "ask"),
            KeyPoint("k2", "时间", ("10:00", "上午"), "state", "time"), KeyPoint("k3", "无动作", ("说明",))), **base),
        Question(id="w-reply", type="reply", stem="话术", script="complaint", key_points=(
            KeyPoint("k1", "两行\n标签", ("致歉",)),), **base),
        Question(id="w-essay", type="essay", stem="问答", word_limit=50, key_points=(), **base),
        Question(id="w-desc", type="description", stem="只有一段说明", category="phone", difficulty=1, indicators=(),
                 source="", explanation="", title="标题"),
    ]
    back, errors = _read(write_workbook(questions, CATEGORIES))
    assert errors == []
    assert _plain(back) == questions


def test_text_that_looks_like_a_formula_is_stored_as_text():
    question = Question(id="f-1", type="single", category="phone", difficulty=1, indicators=(), source="-来源",
                        stem="=1+2 算一算", explanation="@解析", options=(
                            Option("+5", True), Option("-5", False), Option("=SUM(A1:A3)", False)))
    data = write_workbook([question], CATEGORIES)
    sheet = load_workbook(io.BytesIO(data))[SHEET]
    cells = {cell.value: cell for cell in sheet[2] if isinstance(cell.value, str)}
    for text in ("=1+2 算一算", "+5", "-5", "=SUM(A1:A3)", "@解析", "-来源"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    assert not cells["电话接听规范"].quotePrefix
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    back, errors = _read(data)
    assert errors == [] and _plain(back) == [question]


def test_control_characters_xml_cannot_hold_are_dropped_not_fatal():
    question = replace(_examples()[1], stem="响铃\x07三声\x0b之内接听？")
    back, errors = _read(write_workbook([question], CATEGORIES))
    assert errors == [] and back[0].stem == "响铃三声之内接听？"


def test_cells_typed_as_numbers_dates_and_booleans_are_read_as_written():
    data = _workbook(
        _row(难度=2.0, 分值=5),
        {"题型": "填空题", "题干": "回访在____小时内", "答案": 24, "难度": "3", "分类": "phone", "解析": "规定。"},
        {"题型": "判断题", "题干": "可以挂断业主电话", "答案": False, "难度": 1, "分类": "phone", "解析": "不可以。"},
        {"题型": "判断题", "题干": "应当先道歉", "答案": "√", "难度": 1, "分类": "phone", "解析": "是的。"},
        {"题型": "数值题", "题干": "几小时内回访", "答案": 24, "难度": 1, "分类": "phone", "解析": "24。"},
        {"题型": "填空题", "题干": "电工____上门", "答案": time(10, 0), "难度": 1, "分类": "phone", "解析": "十点。"},
        {"题型": "多选", "题干": "哪些要记录", "选项A": "房号", "选项B": "电话", "选项C": "收入", "答案": "a, b",
         "难度": 1, "分类": "phone", "解析": "房号和电话。"},
    )
    questions, errors = _read(data)
    assert errors == []
    single, fill, no, yes, number, at_ten, multiple = questions
    assert at_ten.answers == ("10:00",)  # Excel turned the typed 10:00 into a time; it is read as typed
    assert single.difficulty == 2 and fill.answers == ("24",) and fill.difficulty == 3
    assert no.answer is False and yes.answer is True
    assert number.numeric == (NumericAnswer(value=24.0),)
    assert [o.correct for o in multiple.options] == [True, True, False]
    assert single.id.startswith("xlsx-") and single.id != fill.id  # a blank 题目ID is made from the stem


# --- the template ----------------------------------------------------------------------------------------------


def test_the_template_has_the_header_an_example_of_every_type_and_a_guide():
    data = template_workbook(CATEGORIES, indicator_names={"product_knowledge": "业务知识"},
                             script_names={"complaint": "投诉"})
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [SHEET, GUIDE_SHEET]
    rows = list(book[SHEET].iter_rows(values_only=True))
    assert rows[0] == HEADER
    assert sorted(r[0] for r in rows[1:]) == sorted(TYPE_LABELS.values())
    guide = "\n".join(str(v) for row in book[GUIDE_SHEET].iter_rows(values_only=True) for v in row if v)
    for column in ("题型", "题干", "选项A–选项H", "答案", "分值", "难度", "分类", "能力指标", "解析", "要点"):
        assert column in guide
    assert "电话接听规范" in guide and "业务知识" in guide and "投诉" in guide and "2000 道" in guide


def test_the_template_imports_nothing_until_its_examples_are_deleted():
    data = template_workbook(CATEGORIES)
    messages = _messages(data)
    assert len(messages) == len(TYPE_LABELS)
    assert all("示例题, 请删除这一行" in m for m in messages)
    book = load_workbook(io.BytesIO(data))
    for row in book[SHEET].iter_rows(min_row=2):
        row[1].value = row[1].value.removeprefix(EXAMPLE_MARK)
    out = io.BytesIO()
    book.save(out)
    questions, errors = _read(out.getvalue(), indicators=None)
    assert errors == [] and sorted(q.type for q in questions) == sorted(TYPE_LABELS)


# --- bad rows: each refuses the file, and says where ----------------------------------------------------------------


# (ASCII ids: mutmut runs pytest twice in one process, and pytest escapes non-ASCII ids given by `ids=` again
# on the second run, so Chinese ids would not be found)
BAD_ROWS = [
    (_row(答案="E"), '第 2 行: 答案 "E" 不在选项中'),
    (_row(答案="B?"), "第 2 行: 答案 “B?” 看不懂"),
    (_row(答案=None), "第 2 行: 缺少答案"),
    (_row(题型="论文题"), "第 2 行: 题型 “论文题” 未知"),
    (_row(题型=None), "第 2 行: 缺少题型"),
    (_row(答案="AB"), "第 2 行: 单选题应恰好有一个正确选项 (现有 2 个)"),
    (_row(题型="多选题", 答案="ABC"), "第 2 行: 多选题应至少有两个正确选项和一个错误选项"),
    (_row(选项C=None, 选项D="隔了一个"), "第 2 行: 选项C 是空的, 但后面还有选项"),
    (_row(选项B="直接派单"), "第 2 行: 选项文字重复"),
    (_row(选项B=None, 选项C=None, 答案="A"), "第 2 行: 单选题应有 2 到 6 个选项 (现有 1 个)"),
    (_row(难度=7), "第 2 行: 难度应为 1 到 5"),
    (_row(难度="难"), "第 2 行: “难度”应为整数"),
    (_row(难度=None), "第 2 行: 缺少“难度”"),
    (_row(解析=None), "第 2 行: 缺少“解析”"),
    (_row(题干=None), "第 2 行: 缺少“题干”"),
    (_row(分类="没有这个分类"), "第 2 行: 未知的分类 “没有这个分类”"),
    (_row(分类=None), "第 2 行: 缺少“分类”"),
    (_row(能力指标="product_knowledge, mind_reading"), "第 2 行: 未知的能力指标 mind_reading"),
    (_row(题目ID="Bad ID"), "第 2 行: 题目ID 'Bad ID' 只能包含小写字母、数字、- 和 _"),
    (_row(分值="五分"), "第 2 行: 分值 “五分” 应为正数"),
    (_row(要点="房号 = 房号"), "第 2 行: 单选题不使用 “要点” 列, 请留空"),
    (_row(题型="判断题", 答案="也许"), "第 2 行: 判断题的答案 “也许” 看不懂"),
    (_row(题型="判断题", 答案=None, 选项A=None, 选项B=None, 选项C=None), "第 2 行: 缺少答案 (判断题写 正确 或 错误)"),
    (_row(题型="判断题", 答案="正确"), "第 2 行: 判断题不使用选项列"),
    ({**PLAIN, "题型": "填空题", "题干": "没有空格的填空题", "答案": "当天"},
     "第 2 行: 填空题的题干应恰好有一处空格 ____"),
    ({**PLAIN, "题型": "匹配题", "答案": "左1=右1"},
     "第 2 行: 匹配题应有 2 到 12 组配对 (现有 1 组)"),
    ({**PLAIN, "题型": "匹配题", "答案": "左1=右1|左2"},
     "第 2 行: 匹配项 “左2” 应写成 左=右"),
    ({**PLAIN, "题型": "数值题", "答案": "3.14±-0.01"},
     "第 2 行: “误差”应在 0 到 1e+15 之间 (现为 -0.01)"),
    ({**PLAIN, "题型": "数值题", "答案": "三点一四"},
     "第 2 行: 数值答案 “三点一四” 看不懂"),
    ({**PLAIN, "题型": "数值题", "答案": "5..3"},
     "第 2 行: 数值范围的下限 5 大于上限 3"),
    ({**PLAIN, "题型": "数值题", "答案": "%50%3"},
     "第 2 行: 数值题至少要有一个满分 (权重 100) 的答案"),
    ({**PLAIN, "题型": "简答题", "答案": None},
     "第 2 行: 简答题至少需要一个要点"),
    ({**PLAIN, "题型": "简答题", "答案": None, "要点": "没有等号"},
     "第 2 行: 要点 “没有等号” 应写成 标签 = 说法1 | 说法2"),
    ({**PLAIN, "题型": "简答题", "答案": None, "要点": "房号 = 房号 @guess"},
     "第 2 行: 要点的动作 (@…) 应为 ask, state, instruct, acknowledge, offer 之一"),
    ({**PLAIN, "题型": "简答题", "答案": "参考答案", "要点": "房号 = 房号"},
     "第 2 行: 简答题按 “要点” 列评分, “答案” 列请留空"),
    ({**PLAIN, "题型": "话术题", "答案": None, "要点": "致歉 = 抱歉"},
     "第 2 行: 缺少“话术类型”"),
    ({**PLAIN, "题型": "话术题", "答案": None, "要点": "致歉 = 抱歉", "话术类型": "sales"},
     "第 2 行: 未知的话术类型 'sales'"),
    ({**PLAIN, "题型": "问答题", "答案": "参考", "字数上限": 5},
     "第 2 行: 字数上限应在 10 到 5000 字之间"),
    (_row(题干="=A1&B1"), "第 2 行: “题干” 是公式 (=A1&B1), 请改为文字或数值"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS, ids=[f"bad-row-{n}" for n in range(1, len(BAD_ROWS) + 1)])
def test_a_bad_row_refuses_the_file_with_its_row_and_reason(row, message):
    messages = _messages(_workbook(row))
    assert any(message in m for m in messages), messages
    assert all(m.startswith(f"工作表 {SHEET} 第 2 行: ") for m in messages)


def test_key_points_are_read_with_the_loaders_words():
    """Inside `checking_against`, `$name` expands to its vocabulary and weak evidence is refused, as in YAML."""
    words = KeyPointWords({"room": Vocabulary("room", "房号", "any", ("房号", "几栋"), "ask")}, frozenset({"您好"}))
    short = {**PLAIN, "题型": "简答题", "答案": None}
    with checking_against(words):
        questions, errors = _read(_workbook({**short, "要点": "问房号 = $room | 哪一户"}))
        assert errors == []
        assert questions[0].key_points == (KeyPoint("k1", "问房号", ("房号", "几栋", "哪一户"), "ask"),)
        messages = _messages(_workbook({**short, "要点": "问好 = 您好 | 嗯"}))
    assert any("要点词 '您好' 太笼统" in m for m in messages) and any("要点词 '嗯' 只有一个字" in m for m in messages)


def test_every_bad_row_is_listed_and_the_good_rows_are_not_kept():
    data = _workbook(_row(), _row(题干="第二题", 答案="E"), _row(题干="第三题"), _row(题干="第四题", 题型="作文"))
    messages = _messages(data)
    assert [m.split(":")[0] for m in messages] == [f"工作表 {SHEET} 第 3 行", f"工作表 {SHEET} 第 5 行"]


def test_repeated_ids_and_stems_are_refused():
    messages = _messages(_workbook(_row(题目ID="q-1"), _row(题目ID="q-1", 题干="另一道题"), _row(题目ID="q-2"),
                                   _row(题目ID="q-3", 题干="业主来电报修时，首先应当做什么?")))
    assert "第 3 行: 题目ID q-1 与第 2 行重复" in messages[0]
    assert "第 4 行: 题干与第 2 行相同" in messages[1]
    assert "第 5 行: 题干与第 2 行相同" in messages[2]  # full-width punctuation and spacing hide no copy


def test_a_header_with_fewer_columns_and_another_sheet_name_is_read():
    only = ("题型", "题干", "选项A", "选项B", "答案", "难度", "分类", "解析")
    questions, errors = _read(_workbook(_row(), header=only, title="Sheet1"))
    assert errors == [] and questions[0].indicators == () and questions[0].title == ""


@pytest.mark.parametrize(("header", "message"), [
    (("题型", "题干", "答 案案"), "表头第 C 列 “答 案案” 不是模板里的列名"),
    (("题型", "答案"), "表头缺少 “题干” 列"),
    (("题型", "题干", "题干"), "表头里有两列 “题干”"),
])
def test_a_bad_header_is_reported_on_row_one(header, message):
    messages = _messages(_workbook({"题型": "单选题"}, header=header))
    assert any(f"第 1 行: {message}" in m for m in messages), messages


def test_an_empty_sheet_or_a_header_alone_is_refused():
    assert "工作表是空的" in _messages(_workbook(header=()))[0]
    assert "工作表里没有题目" in _messages(_workbook())[0]


# --- the file as a whole -----------------------------------------------------------------------------------------


def _zip(**parts: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name.replace("__", "/"), content)
    return out.getvalue()


@pytest.mark.parametrize("data", [
    b"", "题型,题干\n单选题,x\n".encode(), b"PK\x03\x04broken",
    _zip(hello__world=b"not a workbook"), _zip(xl__workbook=b"<not xml"),
    _workbook(_row())[:2000],
], ids=["empty", "csv", "bad-zip", "zip-not-xlsx", "broken-xml", "truncated"])
def test_a_file_that_is_no_workbook_is_refused(data):
    assert _messages(data) == [xlsx_bank.NOT_A_WORKBOOK]


def test_an_old_xls_file_is_told_to_be_saved_as_xlsx():
    assert "旧版 Excel (.xls)" in _messages(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)[0]


def test_too_many_questions_refuse_the_whole_file():
    rows = [_row(题干=f"第 {i} 道题: 首先应当做什么？") for i in range(6)]
    assert "超过 5 道" in _messages(_workbook(*rows), max_rows=5)[0]
    questions, errors = _read(_workbook(*rows[:5]), max_rows=5)
    assert errors == [] and len(questions) == 5


def test_the_default_limit_refuses_a_bigger_bank_whole():
    rows = [_row(题干=f"第 {i} 道题: 首先应当做什么？") for i in range(xlsx_bank.MAX_ROWS + 1)]
    messages = _messages(_workbook(*rows))
    assert messages == [f"文件里的题目超过 {xlsx_bank.MAX_ROWS} 道 (一次最多导入 {xlsx_bank.MAX_ROWS} 道), "
                        "没有导入任何题目; 请分成几个文件上传。"]


def test_too_large_a_file_or_too_much_unpacked_is_refused(monkeypatch):
    data = _workbook(_row())
    monkeypatch.setattr(xlsx_bank, "MAX_BYTES", len(data) - 1)
    assert "文件超过" in _messages(data)[0]
    monkeypatch.setattr(xlsx_bank, "MAX_BYTES", len(data))
    monkeypatch.setattr(xlsx_bank, "MAX_UNPACKED", 1000)
    assert "解压后超过" in _messages(data)[0]


def test_a_forged_sheet_size_does_not_pad_every_row():
    data = _workbook(_row())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet, forged = re.subn(r'<dimension ref="[^"]*" ?/>', '<dimension ref="A1:XFD1048576"/>',
                            parts["xl/worksheets/sheet1.xml"].decode())
    assert forged == 1
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    questions, errors = _read(out.getvalue())
    assert errors == [] and len(questions) == 1


def test_the_module_imports_no_web_or_orm():
    code = ("import sys, trainer.content.xlsx_bank\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'openpyxl'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""  # not even openpyxl until a workbook is read or written
