"""Typing-drill passages (question_bank/typing/passages.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .check import FileCheck
from .errors import ContentError
from .yamlio import read_yaml

MIN_CHARS, MAX_CHARS = 50, 1000


@dataclass(frozen=True)
class PassageDef:
    id: str
    title: str
    text: str


def load_passages(path: Path, shown: str) -> tuple[tuple[PassageDef, ...], list[ContentError]]:
    data, errors = read_yaml(path, shown)
    if errors:
        return (), errors
    check = FileCheck(shown)
    root = check.mapping(data, 1, "打字文章文件")
    if root is None:
        return (), check.errors
    check.only_keys(root, {"passages"}, "打字文章文件")
    items = check.sequence(root.get("passages"), root.line_of("passages"), "passages")
    passages, seen = [], set()
    for i, raw in enumerate(items):
        item = check.mapping(raw, items.line_of(i), "文章")
        if item is None:
            continue
        check.only_keys(item, {"id", "title", "text"}, "文章")
        ident = check.slug(item, "id", "文章 id")
        title, text = check.get(item, "title", str), check.get(item, "text", str)
        if ident in seen:
            check.error(item.line_of("id"), f"文章 id {ident!r} 重复")
            continue
        if text is not None and not MIN_CHARS <= len(text) <= MAX_CHARS:
            check.error(item.line_of("text"), f"文章长度应在 {MIN_CHARS} 到 {MAX_CHARS} 字之间 (现为 {len(text)} 字)")
            continue
        if ident and title and text:
            seen.add(ident)
            passages.append(PassageDef(ident, title, text))
    return tuple(passages), check.errors
