"""A small typed reader over `YDict`/`YList` that collects `path:line` errors instead of raising.

Content files are written by trainers, not programmers: one run should list every problem in a
file, so each accessor records what is wrong and hands back a harmless value to keep going.
"""

from __future__ import annotations

from typing import Any, overload

from .errors import ContentError
from .yamlio import YDict, YList

_TYPE_NAMES = {str: "文本", int: "整数", float: "数字", bool: "true/false", list: "列表", dict: "映射"}


class FileCheck:
    def __init__(self, shown_as: str):
        self.path = shown_as
        self.errors: list[ContentError] = []

    def error(self, line: int, message: str) -> None:
        self.errors.append(ContentError(self.path, line, message))

    def mapping(self, value: Any, line: int, what: str) -> YDict | None:
        if isinstance(value, YDict):
            return value
        self.error(line, f"{what} 应为映射 (key: value)")
        return None

    def sequence(self, value: Any, line: int, what: str) -> YList:
        if isinstance(value, YList):
            return value
        self.error(line, f"{what} 应为列表")
        empty = YList()
        empty.line, empty.item_lines = line, []
        return empty

    def only_keys(self, data: YDict, allowed: set[str], what: str) -> None:
        for key in data:
            if key not in allowed:
                self.error(data.line_of(key), f"{what} 中有未知字段 {key!r}")

    def get(self, data: YDict, key: str, kind: type, *, required: bool = True, default: Any = None) -> Any:
        """Fetch `data[key]` checked against `kind`; text is stripped and may not be blank."""
        if key not in data or data[key] is None:
            if required:
                self.error(data.line, f"缺少字段 {key!r}")
            return default
        value = data[key]
        line = data.line_of(key)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if kind is int and isinstance(value, bool):
            self.error(line, f"字段 {key!r} 应为整数")
            return default
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind):
            self.error(line, f"字段 {key!r} 应为{_TYPE_NAMES.get(kind, kind.__name__)}")
            return default
        if kind is str and isinstance(value, str):
            value = value.strip()
            if not value:
                self.error(line, f"字段 {key!r} 不能为空")
                return default
        return value

    @overload
    def number(
        self, data: YDict, key: str, *, low: float, high: float, required: bool = True, default: float
    ) -> float: ...

    @overload
    def number(
        self, data: YDict, key: str, *, low: float, high: float, required: bool = True, default: None = None
    ) -> float | None: ...

    def number(
        self, data: YDict, key: str, *, low: float, high: float, required: bool = True, default: float | None = None
    ) -> float | None:
        """A number in `low`..`high`; `default` (so never None when the default is a number) when missing or wrong."""
        value: float | None = self.get(data, key, float, required=required, default=default)
        if value is None or value is default:
            return value
        if not low <= value <= high:
            self.error(data.line_of(key), f"字段 {key!r} 应在 {low:g} 到 {high:g} 之间 (现为 {value:g})")
            return default
        return value

    def slug(self, data: YDict, key: str, what: str) -> str | None:
        """Identifiers are ASCII so they survive URLs, CSV exports and other systems unchanged."""
        value: str | None = self.get(data, key, str)
        if value is None:
            return None
        if not is_slug(value):
            self.error(data.line_of(key), f"{what} {value!r} 只能包含小写字母、数字、- 和 _")
            return None
        return value


def is_slug(value: str) -> bool:
    return bool(value) and value[0].isalnum() and all(c.islower() or c.isdigit() or c in "-_" for c in value) \
        and value.isascii()
