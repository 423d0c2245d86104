"""YAML loading that remembers line numbers, so every validation error can point at `path:line`.

PyYAML drops positions once it builds Python objects and silently keeps the last of two duplicate
keys; both would make content errors hard to find, so mappings and sequences are built as
`YDict`/`YList` that carry the line of every key and item, and duplicate keys are refused.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import ContentError


class YDict(dict[Any, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 1
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class YList(list[Any]):
    """A sequence that knows its own line and the line of each item (1-based)."""

    line: int = 1
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


#: the largest integer a content file may hold (a 64-bit column's range)
MAX_INT = 2**63 - 1


# libyaml's parser when PyYAML was built with it (several times quicker: `trainer score` reads the phrase
# rules at every start, the tests load the content hundreds of times), else PyYAML's own; the constructors
# below are the same Python either way.
if yaml.__with_libyaml__:
    from yaml import CSafeLoader as _SafeLoader
else:  # PyYAML built without libyaml (its wheels always have it)
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _LineLoader(_SafeLoader):
    def construct_object(self, node: Node, deep: bool = False) -> Any:
        """PyYAML's own constructors raise plain exceptions for some scalars (`2024-13-45`, `!!int x`,
        `!!bool maybe`, an integer of more than 4,300 digits); those become errors at the scalar's line."""
        try:
            return super().construct_object(node, deep=deep)
        except (yaml.YAMLError, RecursionError):
            raise
        except Exception as exc:  # ValueError, KeyError, AttributeError, OverflowError, …
            shown = str(node.value)[:40] if isinstance(node, yaml.ScalarNode) else node.tag
            raise ConstructorError(None, None, f"无法读取的值 {shown!r} ({str(exc)[:80]})", node.start_mark) from None

    def construct_yaml_int(self, node: ScalarNode) -> int:
        value: int = super().construct_yaml_int(node)
        # 0x… or 1:0:0:… can spell integers no field means and no message can print (str() stops at 4,300 digits)
        if not -MAX_INT <= value <= MAX_INT:
            raise ConstructorError(None, None, f"整数 {node.value[:20]!r}… 太大", node.start_mark)
        return value

    def construct_yaml_map(self, node: MappingNode) -> Generator[YDict]:
        data = YDict()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise ConstructorError(None, None, "mapping keys must be plain scalars", key_node.start_mark)
            if key in data.key_lines:
                raise ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {data.key_lines[key]})",
                    key_node.start_mark,
                )
            data.key_lines[key] = key_node.start_mark.line + 1
            data[key] = self.construct_object(value_node, deep=True)

    def construct_yaml_seq(self, node: SequenceNode) -> Generator[YList]:
        data = YList()
        data.line = node.start_mark.line + 1
        data.item_lines = [item.start_mark.line + 1 for item in node.value]
        yield data
        data.extend(self.construct_object(item, deep=True) for item in node.value)


_LineLoader.add_constructor("tag:yaml.org,2002:int", _LineLoader.construct_yaml_int)
_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_yaml_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_yaml_seq)


def parse_yaml(text: str, path: str) -> tuple[Any, list[ContentError]]:
    """Parse YAML text; on a syntax error return `(None, [error at its line])` instead of raising."""
    try:
        return yaml.load(text, Loader=_LineLoader), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # libyaml puts an error at the end of the text on the line after the last; point at the last
        last = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        line = min(mark.line + 1, last) if mark is not None else 1
        problem = exc.problem or str(exc)
        return None, [ContentError(path, line, f"YAML 语法错误: {problem}")]
    except yaml.YAMLError as exc:
        return None, [ContentError(path, 1, f"YAML 语法错误: {exc}")]
    except RecursionError:  # PyYAML composes and constructs nested collections recursively
        return None, [ContentError(path, 1, "YAML 语法错误: 列表或映射嵌套太深")]


def read_yaml(path: Path, shown_as: str) -> tuple[Any, list[ContentError]]:
    """Read and parse a YAML file, reporting unreadable or non-UTF-8 files as content errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [ContentError(shown_as, 1, f"文件不是 UTF-8 编码 (字节 {exc.start})")]
    except OSError as exc:
        return None, [ContentError(shown_as, 1, f"无法读取文件: {exc.strerror}")]
    return parse_yaml(text, shown_as)
