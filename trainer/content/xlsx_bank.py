"""The question bank as an Excel (XLSX) template, the way Chinese exam systems load questions: one sheet, one row a
question, Chinese column names, a second sheet explaining them.

Trainers keep questions in spreadsheets long before they meet this platform, so a workbook is read with the same
rules as the YAML bank (`questions.read_question` checks every row, so a question is valid in Excel exactly when it
would be valid in YAML) and every problem is reported as `工作表 题目 第 12 行: …`. A file is taken whole or not at
all: one bad row refuses the file and lists every bad row, because a half-imported bank leaves the admin guessing
which questions made it.

The cells that hold several values use small separators: `|` between answers, key-point phrases and numerical
answers, `=` between the two sides of a matching pair or a key point's label and phrases, `@` before a key
point's act, `#` before a numerical answer's feedback; a backslash makes any of them (and itself) literal.
`write_workbook` escapes what needs escaping, so the bank survives write → read unchanged; text that begins
with `=`, `+`, `-` or `@` is stored as text with Excel's quote prefix, so no spreadsheet ever runs it as a formula.

openpyxl is imported inside the functions: importing this module (the sync and the web app do) stays cheap.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from ..scoring.keypoints import KeyPoint
from .check import FileCheck
from .errors import ContentError
from .questions import (
    ESSAY_LIMIT,
    QUESTION_TYPES,
    UNANSWERED,
    NumericAnswer,
    Option,
    Pair,
    Question,
    read_question,
    stem_key,
)
from .yamlio import YDict, YList

SHEET = "题目"
GUIDE_SHEET = "说明"
#: how many questions one workbook may hold: bounded work per upload, a clear message past it
MAX_ROWS = 2000
#: the largest upload (a 2,000-question workbook is well under 1 MB)
MAX_BYTES = 5 * 1024 * 1024
#: the most the workbook's parts may unpack to: a zip bomb is refused before openpyxl opens it
MAX_UNPACKED = 64 * 1024 * 1024
#: columns read from the header; anything to the right of these is not part of the template
MAX_COLUMNS = 60
#: the stems of the template's example rows start with this, so a template imported as downloaded imports nothing
EXAMPLE_MARK = "【示例】"
#: what a spreadsheet reads as the start of a formula
FORMULA_START = ("=", "+", "-", "@")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TYPE_LABELS: dict[str, str] = {
    "single": "单选题", "multiple": "多选题", "truefalse": "判断题", "fill": "填空题", "short": "简答题",
    "reply": "话术题", "essay": "问答题", "matching": "匹配题", "numerical": "数值题", "description": "说明",
}
assert set(TYPE_LABELS) == set(QUESTION_TYPES)
#: what other exam systems call the same types; the type ids (single, multiple …) are accepted too
_TYPE_ALIASES = {"单项选择题": "single", "多项选择题": "multiple", "不定项选择题": "multiple", "是非题": "truefalse",
                 "对错题": "truefalse", "配对题": "matching", "连线题": "matching", "论述题": "essay",
                 "说明文字": "description", "题组说明": "description"}
LETTERS = "ABCDEFGH"
TRUE_WORDS = frozenset({"正确", "对", "是", "√", "✓", "✔", "t", "true", "y", "yes"})
FALSE_WORDS = frozenset({"错误", "错", "否", "×", "✗", "✘", "x", "f", "false", "n", "no"})


@dataclass(frozen=True)
class Column:
    """One column of the template: its header, which types use it (None: every type) and how to fill it in."""

    name: str
    width: int
    types: tuple[str, ...] | None
    required: str
    note: str


_CHOICE = ("single", "multiple")
_ANSWERED = ("single", "multiple", "truefalse", "fill", "matching", "numerical", "essay")
_POINTED = ("short", "reply", "essay")
_OPTION_COLUMNS = tuple(f"选项{letter}" for letter in LETTERS)

COLUMNS: tuple[Column, ...] = (
    Column("题型", 8, None, "必填", "单选题、多选题、判断题、填空题、简答题、话术题、问答题、匹配题、数值题、"
           "说明 之一。"),
    Column("题干", 50, None, "必填", "题目正文。填空题的题干要有一处 ____ (至少三个下划线) 表示空格。"),
    *(Column(name, 18, _CHOICE, "选择题必填", "单选题 2–6 个、多选题 3–8 个选项, 从选项A 起连续填写。")
      for name in _OPTION_COLUMNS),
    Column("答案", 24, _ANSWERED, "见说明", "单选题写字母 (B), 多选题写几个字母 (ACD); 判断题写 正确 或 错误; 填空题写"
           "可接受的答案, 用 | 分隔; 匹配题写 左1=右1|左2=右2, 只写 =右 的是干扰项; 数值题写 3.14±0.01 或 3.1..3.2, "
           "部分得分写成 %50%3.1..3.2, 反馈写在 # 后; 问答题写参考答案 (只给阅卷人看)。"),
    Column("分值", 6, None, "选填", "本平台每道题分量相同 (试卷按题数折算成百分制), 这一列只为兼容其他系统的模板: "
           "可以留空或填正数, 导入时不使用; 导出时写 1。"),
    Column("难度", 6, None, "必填 (说明除外)", "1 到 5 的整数, 1 最容易。"),
    Column("分类", 16, None, "必填", "题目分类的名称或 id (见下方列表)。"),
    Column("能力指标", 24, None, "选填", "这道题考查的能力指标 id, 多个用逗号分隔 (见下方列表)。"),
    Column("解析", 40, None, "必填 (说明除外)", "答题后给学员看的讲解: 为什么这样答。"),
    Column("题目ID", 16, None, "选填", "小写字母、数字、- 和 _。留空时按题干生成; 再次导入同一 ID 会更新"
           "这道题 (不会重复添加)。"),
    Column("标题", 16, None, "选填", "简短的标题; 说明 常用它写一组题的名称。"),
    Column("要点", 40, _POINTED, "简答题必填", "每行一个要点, 写成 标签 = 说法1 | 说法2; 末尾可加 @ask 等动作"
           " (ask 询问、state 告知、instruct 指导、acknowledge 体谅、offer 提议) 和 @time (必须说出具体时间);"
           " 行首的 [id] 可以指定要点 id。"),
    Column("及格比例", 8, ("short", "reply"), "选填", "简答题、话术题答到多少比例的要点算通过, 0.1–1, 默认 0.6"
           " (也可写 60%)。"),
    Column("话术类型", 12, ("reply", "essay"), "话术题必填", "话术题按哪一类话术规则评分 (见下方列表)。"),
    Column("字数上限", 8, ("essay",), "选填", f"问答题答案最多多少字, 10–{ESSAY_LIMIT}。"),
    Column("答错提示", 24, ("numerical",), "选填", "数值题答案不在任何可接受范围时给学员的提示。"),
    Column("来源", 24, None, "选填", "题目依据的资料, 例如 参考资料 002 工单时限。"),
)
HEADER: tuple[str, ...] = tuple(c.name for c in COLUMNS)
_BY_NAME = {c.name: c for c in COLUMNS}
#: headers other systems' templates carry that mean nothing here (a running number)
_IGNORED_HEADERS = frozenset({"序号", "编号"})

#: the loader's field names as the template calls them, for the messages `questions.read_question` writes
_FIELD_NAMES = {
    "id": "题目ID", "type": "题型", "category": "分类", "difficulty": "难度", "indicators": "能力指标", "stem": "题干",
    "explanation": "解析", "source": "来源", "title": "标题", "options": "选项", "answer": "答案", "answers": "答案",
    "pairs": "答案", "numeric": "答案", "model_answer": "答案", "key_points": "要点", "pass_ratio": "及格比例",
    "script": "话术类型", "word_limit": "字数上限", "wrong_feedback": "答错提示", "text": "选项", "value": "数值",
    "tolerance": "误差", "low": "下限", "high": "上限", "weight": "权重", "feedback": "反馈", "label": "要点标签",
    "phrases": "说法", "left": "左侧", "right": "右侧", "act": "动作", "needs": "要求",
}
_WORDING = (
    ("single 题", "单选题"), ("multiple 题", "多选题"), ("difficulty 应为", "难度应为"),
    ("word_limit 应在", "字数上限应在"), (" (key_points)", ""), ("(weight: 100)", "(权重 100)"),
    ("要点的 act 应为", "要点的动作 (@…) 应为"), ("要点的 needs 目前只能是 time", "要点的要求目前只能是 @time"),
    ("题目 id", "题目ID"), (" 的 phrases 中", " 的说法中"), ("填空题 的 answers 中", "填空题的答案中"),
    ("未知的题目分类", "未知的分类"),
)
_FIELD = re.compile(r"(缺少)?字段 '(\w+)' ?")


@dataclass(frozen=True, order=True)
class SheetError:
    """One problem of an uploaded workbook: its sheet and row (0: the file or sheet as a whole)."""

    sheet: str
    row: int
    message: str

    def __str__(self) -> str:
        if self.row:
            return f"工作表 {self.sheet} 第 {self.row} 行: {self.message}"
        return f"工作表 {self.sheet}: {self.message}" if self.sheet else self.message


class _Refused(Exception):
    """The file as a whole cannot be read (not a workbook, too large, no usable header)."""


# --- text inside a cell: separators and escapes --------------------------------------------------------------

_ESCAPABLE = "\\|=#@["
_UNESCAPE = re.compile(r"\\([\\|=#@\[])")


def escape(text: str, specials: str) -> str:
    """`text` with the backslash and `specials` escaped, so a separator inside a value stays part of it."""
    return "".join("\\" + ch if ch == "\\" or ch in specials else ch for ch in text)


def unescape(text: str) -> str:
    """Undo `escape`; a backslash before any other character is kept (C:\\path survives as typed)."""
    return _UNESCAPE.sub(r"\1", text)


def split_escaped(text: str, sep: str, limit: int = -1) -> list[str]:
    """`text` split at every `sep` not preceded by a backslash (at most `limit` splits); escapes are kept."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            current.append(text[i:i + 2])
            i += 2
            continue
        if ch == sep and (limit < 0 or len(parts) < limit):
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _values(text: str, sep: str = "|") -> list[str]:
    return [unescape(part).strip() for part in split_escaped(text, sep) if part.strip()]


def number_text(value: float) -> str:
    """A number as written in a cell: 24, 0.5, 1e-07 — the shortest text that reads back to the same float."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _number(text: str) -> float | None:
    try:
        value = float(unicodedata.normalize("NFKC", text).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# --- writing ---------------------------------------------------------------------------------------------------


def _choice_answer(question: Question) -> str:
    if any(o.weight is not None for o in question.options):  # GIFT-style credit: %100%A|%50%C, plain letters too
        parts = []
        for letter, option in zip(LETTERS, question.options, strict=False):
            if option.weight is not None:
                parts.append(f"%{number_text(option.weight)}%{letter}")
            elif option.correct:
                parts.append(letter)
        return "|".join(parts)
    return "".join(letter for letter, o in zip(LETTERS, question.options, strict=False) if o.correct)


def _numeric_answer(answer: NumericAnswer) -> str:
    weight = "" if answer.weight == 100 else f"%{number_text(answer.weight)}%"
    if answer.value is None:
        assert answer.low is not None and answer.high is not None
        body = f"{number_text(answer.low)}..{number_text(answer.high)}"
    else:
        body = number_text(answer.value) + (f"±{number_text(answer.tolerance)}" if answer.tolerance else "")
    return weight + body + (f"#{escape(answer.feedback, '|#')}" if answer.feedback else "")


def key_points_text(points: Sequence[KeyPoint]) -> str:
    """One line a point: `[id] 标签 = 说法1 | 说法2 @act @time` (the id only when it is not the default k1, k2 …).

    A label or phrase with a line break cannot be one line, so such a list is written as JSON, which is read too.
    """
    texts = [p.label for p in points] + [phrase for p in points for phrase in p.phrases]
    if any("\n" in text for text in texts):
        return json.dumps([p.to_dict() for p in points], ensure_ascii=False)
    lines = []
    for i, point in enumerate(points):
        prefix = "" if point.id == f"k{i + 1}" else f"[{point.id}] "
        phrases = " | ".join(escape(phrase, "|=@[") for phrase in point.phrases)
        marks = "".join(f" @{mark}" for mark in (point.act, point.needs) if mark)
        lines.append(f"{prefix}{escape(point.label, '|=@[')} = {phrases}{marks}")
    return "\n".join(lines)


def _answer(question: Question) -> str:
    if question.type in _CHOICE:
        return _choice_answer(question)
    if question.type == "truefalse":
        return "" if question.answer is None else ("正确" if question.answer else "错误")
    if question.type == "fill":
        return "|".join(escape(a, "|") for a in question.answers)
    if question.type == "matching":
        return "|".join(f"{escape(p.left, '|=')}={escape(p.right, '|=')}" for p in question.pairs)
    if question.type == "numerical":
        return "|".join(_numeric_answer(a) for a in question.numeric)
    if question.type == "essay":
        return question.model_answer
    return ""


def _category_cell(category: str, names: Mapping[str, str]) -> str:
    """The category's name when that names it alone (people read names), else its id."""
    name = names.get(category)
    if name and list(names.values()).count(name) == 1 and name not in names:
        return name
    return category


def question_row(question: Question, category_names: Mapping[str, str]) -> dict[str, object]:
    """The cells of one question, by column name (empty columns left out)."""
    row: dict[str, object] = {
        "题型": TYPE_LABELS[question.type], "题干": question.stem, "答案": _answer(question), "分值": 1,
        "难度": question.difficulty, "分类": _category_cell(question.category, category_names),
        "能力指标": ",".join(question.indicators), "解析": question.explanation, "题目ID": question.id,
        "标题": question.title, "来源": question.source,
    }
    if question.type in _CHOICE:
        row.update({f"选项{letter}": o.text for letter, o in zip(LETTERS, question.options, strict=False)})
    if question.type in _POINTED:
        row["要点"] = key_points_text(question.key_points)
    if question.type in ("short", "reply"):
        row["及格比例"] = question.pass_ratio
    if question.type in ("reply", "essay"):
        row["话术类型"] = question.script or ""
    if question.type == "essay":
        row["字数上限"] = question.word_limit
    if question.type == "numerical":
        row["答错提示"] = question.wrong_feedback
    if question.type in UNANSWERED:  # shown, never scored: no mark, and the loader's default difficulty
        row.pop("分值")
        if question.difficulty == 1:
            row.pop("难度")
    return {key: value for key, value in row.items() if value not in ("", None)}


def _cell(sheet: Any, value: object, style: dict[str, Any] | None = None) -> Any:
    """A cell for a write-only sheet. Control characters XML cannot hold (a GIFT import may bring them; YAML
    cannot) are dropped rather than failing the whole export."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # text, never a formula …
        cell.quotePrefix = True  # … and it stays text when someone edits the cell in Excel
    for key, setting in (style or {}).items():
        setattr(cell, key, setting)
    return cell


def _write_sheet(book: Any, title: str, header: Sequence[str], widths: Sequence[int],
                 rows: Iterable[Sequence[object]]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = {"font": Font(bold=True)}
    wrap = {"alignment": Alignment(wrap_text=True, vertical="top")}
    sheet.append([_cell(sheet, name, bold) for name in header])
    for row in rows:
        sheet.append([_cell(sheet, value, wrap if isinstance(value, str) and "\n" in value else None)
                      for value in row])


def _guide_rows(category_names: Mapping[str, str] | None, indicator_names: Mapping[str, str] | None,
                script_names: Mapping[str, str] | None, max_rows: int) -> list[list[object]]:
    rows: list[list[object]] = []
    for column in COLUMNS:
        if column.name in _OPTION_COLUMNS[1:]:
            continue
        types = "全部" if column.types is None else "、".join(TYPE_LABELS[t] for t in column.types)
        name = "选项A–选项H" if column.name == "选项A" else column.name
        rows.append([name, column.required, types, column.note])
    rows += [[], ["怎样导入", "", "", (
        f"在“{SHEET}”表里每行写一道题, 第一行是列名, 不要改动。上传后系统会逐行检查; 只要有一行有问题,"
        " 整个文件都不导入, 并列出每个出错的行号, 改好后重新上传即可。")],
        ["", "", "", f"“{SHEET}”表里题干以 {EXAMPLE_MARK} 开头的是示例, 导入前请删除这些行"
                      " (留着示例的文件不会被导入)。"],
        ["", "", "", f"一个文件最多 {max_rows} 道题, 不超过 {MAX_BYTES // (1024 * 1024)} MB; 题目多时请分成几个文件。"],
        ["", "", "", "以 = + - @ 开头的文字会按文本保存, 不会被当作公式; 单元格里不要使用公式。"],
        ["", "", "", "答案、要点里的 | = @ # 是分隔符; 要把它们当作文字, 在前面加反斜杠, 例如 \\|。"],
        ["判断题答案", "", "", "正确: 正确、对、√、T; 错误: 错误、错、×、F。"]]
    for title, names in (("可用的分类", category_names), ("可用的能力指标", indicator_names),
                         ("可用的话术类型", script_names)):
        if names:
            rows.append([])
            rows += [[title if i == 0 else "", ident, name, ""] for i, (ident, name) in enumerate(names.items())]
    return rows


def write_workbook(questions: Iterable[Question], category_names: Mapping[str, str], *,
                   indicator_names: Mapping[str, str] | None = None, script_names: Mapping[str, str] | None = None,
                   max_rows: int = MAX_ROWS) -> bytes:
    """The questions in the template's layout (sheet 题目), with the 说明 sheet after it, as XLSX bytes."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    rows = (question_row(q, category_names) for q in questions)
    _write_sheet(book, SHEET, HEADER, [c.width for c in COLUMNS], ([row.get(name) for name in HEADER] for row in rows))
    _write_sheet(book, GUIDE_SHEET, ("列名 / 项目", "是否必填 / id", "适用题型 / 名称", "怎么填"), (16, 18, 24, 90),
                 _guide_rows(category_names, indicator_names, script_names, max_rows))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def example_questions(category: str, indicator: str, script: str) -> list[Question]:
    """One example of every type, as the template shows them (their stems start with EXAMPLE_MARK)."""
    def q(ident: str, qtype: str, stem: str, explanation: str = "讲解为什么这样答。", **extra: Any) -> Question:
        described = qtype == "description"
        return Question(id=f"example-{ident}", type=qtype, category=category, difficulty=1 if described else 2,
                        indicators=() if described else (indicator,), source="" if described else "参考资料 001",
                        stem=EXAMPLE_MARK + stem, explanation="" if described else explanation, **extra)

    return [
        q("intro", "description", "下面几道题围绕报修电话的受理。说明 只显示文字, 不作答、不计分。", title="报修受理"),
        q("single", "single", "业主来电报修时, 首先应当做什么？", options=(
            Option("直接派单", False), Option("问清房号和问题", True), Option("让业主自己找物业", False),
            Option("先挂断再回电", False))),
        q("multiple", "multiple", "受理报修时必须记录哪些信息？", options=(
            Option("房号", True), Option("联系电话", True), Option("业主的收入", False), Option("问题描述", True))),
        q("truefalse", "truefalse", "业主情绪激动时, 坐席可以先挂断电话, 等业主冷静后再回电。", answer=False),
        q("fill", "fill", "接到报修后, 责任部门应在____分钟内作出响应。", answers=("10", "十")),
        q("short", "short", "请写出受理报修时要问清的三项信息。", key_points=(
            KeyPoint("k1", "房号", ("房号", "几栋", "哪一户")), KeyPoint("k2", "联系电话", ("电话", "手机")),
            KeyPoint("k3", "问题描述", ("什么问题", "哪里坏了")))),
        q("reply", "reply", "业主说: “我家水管又漏了, 上周刚修过！” 请写出你的回复。", script=script, key_points=(
            KeyPoint("k1", "先致歉", ("抱歉", "对不起"), "acknowledge"),
            KeyPoint("k2", "约定上门时间", ("上门", "过来"), "state", "time"))),
        q("essay", "essay", "一张工单已经超时, 业主来电不满。请写出你会怎样回应, 以及挂断后要做的事。", word_limit=300,
          model_answer="先道歉并承认超时, 说明目前进度, 给出新的答复时间; 挂断后联系工程部并在工单上记录。"),
        q("matching", "matching", "把每个环节与它的时限配对。", pairs=(
            Pair("接单响应", "10 分钟内"), Pair("解决后回访", "24 小时内"), Pair("", "3 个工作日内"))),
        q("numerical", "numerical", "问题解决后, 最迟应在多少小时内回访业主？（填数字）", numeric=(
            NumericAnswer(value=24.0),
            NumericAnswer(low=12.0, high=23.0, weight=50.0, feedback="早一些也可以, 但规定是 24 小时")),
          wrong_feedback="规定是解决后 24 小时内回访。"),
    ]


def template_workbook(category_names: Mapping[str, str], *, indicator_names: Mapping[str, str] | None = None,
                      script_names: Mapping[str, str] | None = None, max_rows: int = MAX_ROWS) -> bytes:
    """The empty template: the header, one example row of every type, and the 说明 sheet with this site's lists."""
    category = next(iter(category_names), "imported")
    indicator = next(iter(indicator_names or {}), "product_knowledge")
    script = next(iter(script_names or {}), "complaint")
    return write_workbook(example_questions(category, indicator, script), category_names,
                          indicator_names=indicator_names, script_names=script_names, max_rows=max_rows)


# --- reading ---------------------------------------------------------------------------------------------------


def _container_problem(data: bytes) -> str | None:
    """Why `data` is no XLSX a reader should open (None when it may be one): size, old .xls, not a zip, a zip bomb."""
    if len(data) > MAX_BYTES:
        return f"文件超过 {MAX_BYTES // (1024 * 1024)} MB, 没有导入任何题目; 请分成几个文件上传。"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "这是旧版 Excel (.xls) 文件, 请在 Excel 中“另存为” .xlsx 格式后再上传。"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return NOT_A_WORKBOOK
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED:
        return f"文件解压后超过 {MAX_UNPACKED // (1024 * 1024)} MB, 没有导入任何题目。"
    if not any(entry.filename == "xl/workbook.xml" for entry in entries):
        return NOT_A_WORKBOOK
    return None


NOT_A_WORKBOOK = "这不是 Excel (.xlsx) 文件, 或者文件已损坏; 请用模板填写后另存为 .xlsx 再上传。"


def _plain(value: object) -> object:
    """A cell's value as read: text with Windows line ends folded, dates and times as the text a person typed."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M" if value.second == 0 else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M" if value.second == 0 else "%H:%M:%S")
    if isinstance(value, timedelta):
        return str(value)
    return value


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return number_text(value) if math.isfinite(value) else str(value)
    return str(value)


@dataclass
class _Row:
    number: int
    values: dict[str, object]
    problems: list[str] = field(default_factory=list)

    def text(self, name: str) -> str:
        return _text(self.values.get(name))

    def blank(self) -> bool:
        return not any(self.text(name) for name in self.values)


def _raw_rows(data: bytes, max_rows: int) -> tuple[str, list[str | None], list[tuple[int, list[tuple[object, str]]]]]:
    """The question sheet's name, header and non-blank rows as (row number, [(value, data type)]).

    Everything that touches openpyxl is here, inside one guard: a damaged workbook can fail anywhere while its
    XML is being parsed, and every such failure means the same to the admin (it is not a usable .xlsx).
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises KeyError, ValueError, ParseError, … for damaged parts
        raise _Refused(NOT_A_WORKBOOK) from exc
    try:
        sheets = list(book.worksheets)
        sheet = next((s for s in sheets if s.title == SHEET), None) or next(
            (s for s in sheets if s.title != GUIDE_SHEET), None)
        if sheet is None:
            raise _Refused(f"工作簿里没有“{SHEET}”工作表。")
        sheet.reset_dimensions()  # a forged dimension (A1:XFD1048576) must not make every row 16,384 cells
        header_cells = next(sheet.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS), ())
        header = [(_text(_plain(c.value)) or None) for c in header_cells]
        while header and header[-1] is None:
            header.pop()
        rows: list[tuple[int, list[tuple[object, str]]]] = []
        if header:
            for number, cells in enumerate(sheet.iter_rows(min_row=2, max_col=len(header)), start=2):
                values = [(_plain(c.value), c.data_type) for c in cells]
                if all(_text(v) == "" for v, _ in values):
                    continue
                if len(rows) == max_rows:
                    raise _Refused(f"文件里的题目超过 {max_rows} 道 (一次最多导入 {max_rows} 道), 没有导入任何题目; "
                                   "请分成几个文件上传。")
                rows.append((number, values))
        return sheet.title, header, rows
    except _Refused:
        raise
    except Exception as exc:  # the sheet's XML is parsed while rows are read
        raise _Refused(NOT_A_WORKBOOK) from exc
    finally:
        book.close()


def _header(names: list[str | None], sheet: str) -> tuple[list[str | None], list[SheetError]]:
    """Column names by position (None: a column to skip), with a problem for every unknown or repeated name."""
    from openpyxl.utils import get_column_letter

    errors: list[SheetError] = []
    columns: list[str | None] = []
    seen: set[str] = set()
    for index, raw in enumerate(names, start=1):
        name = None if raw is None else re.sub(r"\s+", "", raw).strip("*")
        if name is None or name in _IGNORED_HEADERS:
            columns.append(None)
            continue
        if name not in _BY_NAME:
            errors.append(SheetError(sheet, 1, f"表头第 {get_column_letter(index)} 列 “{raw}” 不是模板里的列名"
                                               f" (列名见“{GUIDE_SHEET}”表)"))
        elif name in seen:
            errors.append(SheetError(sheet, 1, f"表头里有两列 “{name}”"))
        seen.add(name)
        columns.append(name if name in _BY_NAME else None)
    for required in ("题型", "题干"):
        if required not in seen and names:
            errors.append(SheetError(sheet, 1, f"表头缺少 “{required}” 列"))
    return columns, errors


def _type_of(label: str) -> str | None:
    key = unicodedata.normalize("NFKC", label).strip()
    if key in QUESTION_TYPES:
        return key
    for qtype, name in TYPE_LABELS.items():
        if key in (name, name.removesuffix("题")):
            return qtype
    return _TYPE_ALIASES.get(key)


def _ydict(line: int, values: dict[str, Any]) -> YDict:
    item = YDict(values)
    item.line, item.key_lines = line, {}
    return item


def _ylist(line: int, values: Sequence[Any]) -> YList:
    items = YList(values)
    items.line, items.item_lines = line, [line] * len(values)
    return items


def _category(text: str, categories: Mapping[str, str]) -> str | None:
    if text in categories:
        return text
    named = [ident for ident, name in categories.items() if name == text]
    return named[0] if len(named) == 1 else None


def _choices(row: _Row, item: YDict, qtype: str) -> None:
    options = [row.text(name) for name in _OPTION_COLUMNS]
    while options and not options[-1]:
        options.pop()
    for letter, text in zip(LETTERS, options, strict=False):
        if not text:
            row.problems.append(f"选项{letter} 是空的, 但后面还有选项; 选项要从 A 起连续填写")
    answer = unicodedata.normalize("NFKC", row.text("答案")).strip()
    if not answer:
        example = "B" if qtype == "single" else "ACD"
        row.problems.append(f"缺少答案 ({TYPE_LABELS[qtype]}写正确选项的字母, 例如 {example})")
        return
    weights: dict[str, float | None] = {}  # letter → its share of the mark (None: plainly right)
    if "%" in answer:  # %100%A|%50%C: the share of the mark each option earns
        for part in (p for p in re.split(r"[|,，;；、\s]+", answer) if p):
            match = re.fullmatch(r"%([^%]*)%([A-Za-z])|([A-Za-z])", part)
            weight = _number(match[1]) if match and match[1] is not None else None
            if match is None or (match[1] is not None and weight is None):
                row.problems.append(f"答案 “{part}” 看不懂 (部分得分写成 %50%C, 多项用 | 分隔)")
                continue
            weights[(match[2] or match[3]).upper()] = weight
    else:
        letters = re.sub(r"[\s,，、;；|/]+", "", answer)
        if not re.fullmatch(r"[A-Za-z]+", letters):
            row.problems.append(f"答案 “{answer}” 看不懂 ({TYPE_LABELS[qtype]}的答案写选项字母, 例如 B 或 ACD)")
            return
        weights = dict.fromkeys(letters.upper())
    shown = f" (选项为 A–{LETTERS[len(options) - 1]})" if options else " (还没有填写选项)"
    row.problems += [f'答案 "{letter}" 不在选项中{shown}' for letter in sorted(weights)
                     if letter not in LETTERS[:len(options)]]
    entries = []
    for letter, text in zip(LETTERS, options, strict=False):
        option: dict[str, Any] = {"text": text}
        if letter in weights:
            weight = weights[letter]
            option.update({"correct": True} if weight is None else {"weight": weight})
        entries.append(_ydict(row.number, option))
    item["options"] = _ylist(row.number, entries)


def _truefalse(row: _Row, item: YDict) -> None:
    answer = unicodedata.normalize("NFKC", row.text("答案")).strip().lower()
    if not answer:
        row.problems.append("缺少答案 (判断题写 正确 或 错误)")
    elif answer in TRUE_WORDS or answer in FALSE_WORDS:
        item["answer"] = answer in TRUE_WORDS
    else:
        row.problems.append(f"判断题的答案 “{row.text('答案')}” 看不懂 (写 正确 或 错误)")


def _pairs(row: _Row, item: YDict) -> None:
    pairs = []
    for part in split_escaped(row.text("答案"), "|"):
        if not part.strip():
            continue
        sides = split_escaped(part, "=", 1)
        if len(sides) != 2 or not unescape(sides[1]).strip():
            row.problems.append(f"匹配项 “{unescape(part).strip()}” 应写成 左=右 (只写 =右 的是干扰项)")
            continue
        left, right = unescape(sides[0]).strip(), unescape(sides[1]).strip()
        pairs.append(_ydict(row.number, {"left": left, "right": right} if left else {"right": right}))
    if pairs:
        item["pairs"] = _ylist(row.number, pairs)
    elif not row.problems:
        row.problems.append("缺少答案 (匹配题写 左1=右1|左2=右2)")


def _numeric_entry(body: str) -> dict[str, Any] | None:
    """`3.14±0.01`, `3.14` or `3.1..3.2` as the loader's mapping (None: some part is not a number)."""
    if ".." in body:
        low, high = (_number(side) for side in body.split("..", 1))
        return None if low is None or high is None else {"low": low, "high": high}
    parts = re.split(r"±|\+/-|\+-", body, maxsplit=1)
    value = _number(parts[0])
    if value is None:
        return None
    if len(parts) == 1:
        return {"value": value}
    tolerance = _number(parts[1])  # a negative one is the loader's to refuse, as in YAML
    return None if tolerance is None else {"value": value, "tolerance": tolerance}


def _numeric(row: _Row, item: YDict) -> None:
    answers = []
    for part in split_escaped(row.text("答案"), "|"):
        if not part.strip():
            continue
        head, *rest = split_escaped(part, "#", 1)
        body = unicodedata.normalize("NFKC", unescape(head)).strip()
        shown = unescape(part).strip()
        weight: float | None = 100.0
        match = re.fullmatch(r"%([^%]*)%(.*)", body)
        if match:
            weight, body = _number(match[1]), match[2].strip()
        entry = _numeric_entry(body)
        if entry is None or weight is None:
            row.problems.append(f"数值答案 “{shown}” 看不懂 (写成 3.14±0.01 或 3.1..3.2, 部分得分写成 %50%3.1..3.2)")
            continue
        if match:
            entry["weight"] = weight
        if rest and unescape(rest[0]).strip():
            entry["feedback"] = unescape(rest[0]).strip()
        answers.append(_ydict(row.number, entry))
    if answers:
        item["numeric"] = _ylist(row.number, answers)
    elif not row.problems:
        row.problems.append("缺少答案 (数值题写 3.14±0.01 或 3.1..3.2)")


def _key_point_line(row: _Row, line: str, index: int) -> YDict | None:
    text = line.strip()
    entry: dict[str, Any] = {}
    match = re.match(r"\[([^\]]*)\]\s*", text)
    if match:
        entry["id"], text = match[1].strip(), text[match.end():]
    main, *marks = split_escaped(text, "@")
    sides = split_escaped(main, "=", 1)
    if len(sides) != 2:
        row.problems.append(f"要点 “{line.strip()}” 应写成 标签 = 说法1 | 说法2")
        return None
    entry["label"] = unescape(sides[0]).strip() or None
    entry["phrases"] = _ylist(row.number, _values(sides[1]))
    for mark in (unescape(m).strip() for m in marks):
        key = "needs" if mark == "time" else "act"
        if key in entry:
            row.problems.append(f"要点 “{line.strip()}” 写了两个动作 (每个要点最多一个 @动作 和一个 @time)")
        entry[key] = mark
    return _ydict(row.number, {k: v for k, v in entry.items() if v is not None})


def _key_points(row: _Row, item: YDict) -> None:
    text = row.text("要点")
    if not text:
        return
    if text.lstrip().startswith("[{"):  # the JSON form key_points_text falls back to
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
            row.problems.append("要点看起来是 JSON, 但读不出来 (应为 [{\"label\": …, \"phrases\": […]}, …])")
            return
        points = [_ydict(row.number, {k: _ylist(row.number, v) if isinstance(v, list) else v for k, v in p.items()})
                  for p in data]
    else:
        found = (_key_point_line(row, line, i) for i, line in enumerate(text.split("\n")) if line.strip())
        points = [p for p in found if p is not None]
    item["key_points"] = _ylist(row.number, points)


def _integer(value: object) -> object:
    """A cell meant as an integer: 3 and 3.0 are 3; anything else is left for the loader to refuse."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,9}", unicodedata.normalize("NFKC", value).strip()):
        return int(unicodedata.normalize("NFKC", value))
    return value


def _ratio(row: _Row) -> object:
    text = unicodedata.normalize("NFKC", row.text("及格比例")).strip()
    if text.endswith("%") and (share := _number(text[:-1])) is not None:
        return share / 100
    number = _number(text)
    if number is None:
        row.problems.append(f"及格比例 “{text}” 不是数字 (写 0.6 或 60%)")
    return number


def _row_item(row: _Row, qtype: str, categories: Mapping[str, str], indicators: frozenset[str] | None) -> YDict:
    """The row as the mapping a YAML question file would hold, with problems the loader cannot see (cell syntax)."""
    label = TYPE_LABELS[qtype]
    item = _ydict(row.number, {"type": qtype})
    stem = row.text("题干")
    if any(row.text(name) for name in _OPTION_COLUMNS) and qtype not in _CHOICE:
        row.problems.append(f"{label}不使用选项列 (选项A–选项H), 请留空")
    for column in COLUMNS:
        if column.types is not None and column.name not in (*_OPTION_COLUMNS, "答案") and qtype not in column.types \
                and row.text(column.name):
            row.problems.append(f"{label}不使用 “{column.name}” 列, 请留空")
    item["id"] = row.text("题目ID") or "xlsx-" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:12]
    for name, key in (("题干", "stem"), ("解析", "explanation"), ("来源", "source"), ("标题", "title")):
        if row.text(name):
            item[key] = row.text(name)
    category = row.text("分类")
    if category:
        item["category"] = _category(category, categories) or category
        if item["category"] not in categories:
            row.problems.append(f"未知的分类 “{category}”")
    difficulty = row.values.get("难度")
    if _text(difficulty):
        item["difficulty"] = _integer(difficulty)
    chosen = [i for i in re.split(r"[\s,，、;；]+", row.text("能力指标")) if i]
    unknown = [i for i in chosen if indicators is not None and i not in indicators]
    if unknown:
        row.problems.append(f"未知的能力指标 {'、'.join(unknown)}")
    if chosen or qtype != "description":
        item["indicators"] = _ylist(row.number, chosen)
    score = row.text("分值")
    if score and not ((value := _number(score)) is not None and value > 0):
        row.problems.append(f"分值 “{score}” 应为正数 (本平台每题分量相同, 分值不影响成绩, 也可以留空)")
    if qtype in _CHOICE:
        _choices(row, item, qtype)
    elif qtype == "truefalse":
        _truefalse(row, item)
    elif qtype == "fill":
        answers = _values(row.text("答案"))
        if answers:
            item["answers"] = _ylist(row.number, answers)
        else:
            row.problems.append("缺少答案 (填空题写可接受的答案, 多个用 | 分隔)")
    elif qtype == "matching":
        _pairs(row, item)
    elif qtype == "numerical":
        _numeric(row, item)
        if row.text("答错提示"):
            item["wrong_feedback"] = row.text("答错提示")
    if qtype in _POINTED:
        _key_points(row, item)
    if qtype in ("short", "reply") and row.text("及格比例"):
        item["pass_ratio"] = _ratio(row)
    if qtype in ("reply", "essay") and row.text("话术类型"):
        item["script"] = row.text("话术类型")
    if qtype == "essay":
        if row.text("字数上限"):
            item["word_limit"] = _integer(row.values.get("字数上限"))
        if row.text("答案"):
            item["model_answer"] = row.text("答案")
    elif qtype in ("short", "reply") and row.text("答案"):
        row.problems.append(f"{label}按 “要点” 列评分, “答案” 列请留空 (参考答案可以写进 “解析”)")
    elif qtype == "description" and row.text("答案"):
        row.problems.append("说明 不作答, “答案” 列请留空")
    return item


def _wording(error: ContentError) -> str:
    """A loader message in the template's words: its field names become column names."""
    message = _FIELD.sub(lambda m: f"{m[1] or ''}“{_FIELD_NAMES.get(m[2], m[2])}”", error.message)
    for before, after in _WORDING:
        message = message.replace(before, after)
    return message


def read_workbook(data: bytes, *, categories: Mapping[str, str], indicators: frozenset[str] | None,
                  scripts: set[str] | None, max_rows: int = MAX_ROWS, path: str = "",
                  ) -> tuple[list[Question], list[SheetError]]:
    """The questions of an uploaded workbook, or every problem found in it.

    `categories` maps category ids to names (a cell may hold either); `indicators` and `scripts` are the ids
    known here (None: not checked, as in the YAML loader). Key points are read with the YAML loader's words, so
    a caller inside `keypoints.checking_against(...)` gets `$name` vocabularies and refused evidence as there.
    When the list of problems is not empty the questions must not be stored: some rows failed.
    """
    try:
        problem = _container_problem(data)
        if problem:
            raise _Refused(problem)
        sheet, names, raw_rows = _raw_rows(data, max_rows)
    except _Refused as refused:
        return [], [SheetError("", 0, str(refused))]
    columns, errors = _header(names, sheet)
    if not names:
        return [], [SheetError(sheet, 0, "工作表是空的: 第一行应为列名 (可以先下载模板)。")]
    if errors:
        return [], errors
    if not raw_rows:
        return [], [SheetError(sheet, 0, "工作表里没有题目。")]
    questions: list[Question] = []
    ids: dict[str, int] = {}
    stems: dict[str, int] = {}
    for number, cells in raw_rows:
        row = _Row(number, {})
        for index, (value, kind) in enumerate(cells):
            name = columns[index] if index < len(columns) else None
            if kind == "f":
                row.problems.append(f"“{name or '无表头的列'}” 是公式 ({_text(value)[:30]}), 请改为文字或数值")
            elif kind == "e":
                row.problems.append(f"“{name or '无表头的列'}” 是错误值 {_text(value)}")
            elif name is None:
                if _text(value) and index < len(names) and names[index] is None:
                    row.problems.append(f"第 {index + 1} 列没有列名, 但填了内容 “{_text(value)[:20]}”")
            else:
                row.values[name] = value
        question = _row_question(row, categories, indicators, scripts, sheet, path)
        errors += [SheetError(sheet, number, p) for p in row.problems]
        if question is None:
            continue
        if question.id in ids:
            errors.append(SheetError(sheet, number, f"题目ID {question.id} 与第 {ids[question.id]} 行重复"))
        key = stem_key(question.stem)
        if key and key in stems:
            errors.append(SheetError(sheet, number, f"题干与第 {stems[key]} 行相同; 请合并为一道题"))
        ids.setdefault(question.id, number)
        if key:
            stems.setdefault(key, number)
        questions.append(question)
    return ([], errors) if errors else (questions, [])


def _row_question(row: _Row, categories: Mapping[str, str], indicators: frozenset[str] | None,
                  scripts: set[str] | None, sheet: str, path: str) -> Question | None:
    """The question of one row, or None with the row's problems added to `row.problems`."""
    if row.text("题干").startswith(EXAMPLE_MARK):
        row.problems.append("这是模板里的示例题, 请删除这一行后再导入")
        return None
    label = row.text("题型")
    qtype = _type_of(label) if label else None
    if qtype is None:
        known = "、".join(TYPE_LABELS.values())
        row.problems.append(f"题型 “{label}” 未知 (可用: {known})" if label else f"缺少题型 (可用: {known})")
        return None
    item = _row_item(row, qtype, categories, indicators)
    if row.problems:  # the loader would only repeat them in its own words (no answer → no right option)
        return None
    check = FileCheck(sheet)
    question = read_question(check, item, row.number, None, set(categories), indicators, scripts)
    row.problems += [_wording(e) for e in check.errors]
    if question is None or check.errors:
        return None
    return replace(question, path=path, line=row.number)
