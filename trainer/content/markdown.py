"""Lesson Markdown: split into timed segments, embedded blocks pulled out, rendered without raw HTML.

Course authors write Markdown, not HTML. Raw HTML is refused at `content check` (with its line) rather
than escaped silently, so a `<script>` never reaches a page and the author knows why their markup
did not show; rendering also runs with HTML disabled, as a second line of defence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, TypeAlias

from markdown_it import MarkdownIt
from markdown_it.token import Token

SEGMENT_HEADING = re.compile(r"^(?P<title>.*?)\s*\{\s*(?P<kind>[a-z]+)\s+(?P<minutes>\d+)\s*\}\s*$")
BLOCK_KINDS = ("practice", "roleplay", "quiz")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table")


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render(source: str) -> str:
    """Markdown to HTML with raw HTML escaped (validated content never has any)."""
    return _renderer().render(source) if source.strip() else ""


@dataclass(frozen=True)
class Block:
    kind: str  # practice | roleplay | quiz
    body: str  # the YAML inside the fence
    line: int  # 1-based line of the fence's first body line


#: a piece of a segment, in order: rendered Markdown between blocks, or a fenced block
SegmentPart: TypeAlias = tuple[Literal["html"], str] | tuple[Literal["block"], Block]


@dataclass
class RawSegment:
    title: str
    kind: str
    minutes: int
    line: int  # 1-based line of the heading
    parts: list[SegmentPart] = field(default_factory=list)


@dataclass
class ParsedLesson:
    title: str | None
    intro_html: str
    segments: list[RawSegment]
    problems: list[tuple[int, str]]  # (line, message)


def _html_lines(tokens: list[Token]) -> list[int]:
    lines = []
    for token in tokens:
        if token.type == "html_block" and token.map:
            lines.append(token.map[0] + 1)
        elif token.type == "inline" and token.children and token.map:
            lines += [token.map[0] + 1 for child in token.children if child.type == "html_inline"]
    return lines


def parse_lesson(source: str) -> ParsedLesson:
    """Find the title, the `## title {kind minutes}` segments and the fenced blocks of a lesson."""
    lines = source.splitlines()
    tokens = _parser().parse(source)
    problems = [(line, "不允许使用 HTML 标签 (请只用 Markdown)") for line in _html_lines(tokens)]
    title = None
    headings: list[tuple[int, int, str]] = []  # (level, 0-based line, text)
    fences: list[tuple[int, int, Block]] = []  # (0-based start, end, block)
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h1", "h2") and token.map:
            text = tokens[i + 1].content.strip()
            headings.append((int(token.tag[1]), token.map[0], text))
            if token.tag == "h1" and title is None:
                title = text
        elif token.type == "fence" and token.map and token.info.strip() in BLOCK_KINDS:
            fences.append((token.map[0], token.map[1], Block(token.info.strip(), token.content, token.map[0] + 2)))
    h2 = [(line, text) for level, line, text in headings if level == 2]
    first_h2 = h2[0][0] if h2 else len(lines)
    h1_line = next((line for level, line, _ in headings if level == 1), -1)
    intro_html = render("\n".join(lines[h1_line + 1 : first_h2]))
    segments = []
    for index, (line, text) in enumerate(h2):
        match = SEGMENT_HEADING.match(text)
        end = h2[index + 1][0] if index + 1 < len(h2) else len(lines)
        if match is None:
            problems.append((line + 1, f"环节标题 {text!r} 缺少 {{类型 分钟}}, 例如 ## 讲解 {{explain 15}}"))
            continue
        if len(match["minutes"]) > 4:  # int() refuses more than 4,300 digits, and no segment lasts a week
            problems.append((line + 1, f"环节时长 {match['minutes'][:12]}… 分钟不是合理的时长"))
            continue
        segment = RawSegment(match["title"] or match["kind"], match["kind"], int(match["minutes"]), line + 1)
        cursor = line + 1
        for f_start, f_end, block in fences:
            if line < f_start < end:
                segment.parts.append(("html", render("\n".join(lines[cursor:f_start]))))
                segment.parts.append(("block", block))
                cursor = f_end
        segment.parts.append(("html", render("\n".join(lines[cursor:end]))))
        segment.parts = [p for p in segment.parts if p[0] == "block" or p[1]]
        segments.append(segment)
    for f_start, _, block in fences:
        if f_start < first_h2:
            problems.append((block.line - 1, f"```{block.kind} 代码块必须放在某个 ## 环节里"))
    return ParsedLesson(title, intro_html, segments, problems)
