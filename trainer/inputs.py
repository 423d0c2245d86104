"""How untrusted request input is read before any view sees it.

- Ids in URLs: Werkzeug's `int` converter accepts any number of digits, and 2⁶³ overflows the
  database driver (a 500). The converter installed here matches only ids a database column can hold,
  so a larger one is simply a page that does not exist (404).
- JSON bodies: Python's parser recurses, so `[[[[…]]]]` a few thousand deep raises RecursionError (a
  500). Bodies are parsed with that caught and their nesting bounded; a body past the bound is a
  malformed request (400), the same as broken JSON.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

#: the largest value of a signed 64-bit column (PostgreSQL BIGINT, SQLite INTEGER)
MAX_ID = 2**63 - 1
#: no request body the platform accepts nests deeper than this
MAX_JSON_DEPTH = 32


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that never matches a number a database id cannot be."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def json_depth(value: object) -> int:
    """How deeply lists and objects nest in `value` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing (as ValueError, which Flask turns into 400) what would crash it."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if json_depth(value) > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        return value


def install(app: Flask) -> None:
    """Call before any blueprint is registered, so every `<int:…>` rule uses the bounded converter."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.json = BoundedJSONProvider(app)
