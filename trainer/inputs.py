"""How untrusted request input is read before any view sees it.

- Ids in URLs: Werkzeug's `int` converter accepts any number of digits, and 2⁶³ overflows the
  database driver (a 500); on PostgreSQL, whose INTEGER keys are 32-bit, so does 2³¹ ("integer out of
  range"). The converter installed here matches only ids a database column can hold, so a larger one is
  simply a page that does not exist (404).
- JSON bodies: Python's parser recurses, so `[[[[…]]]]` a few thousand deep raises RecursionError (a
  500). Bodies are parsed with that caught and their nesting bounded; a body past the bound is a
  malformed request (400), the same as broken JSON. So is what Python's parser takes but JSON is not:
  NaN, Infinity and numbers past a float (1e999), which would come back out as invalid JSON, and text
  no database can store: a lone surrogate (`"\\ud800"`, which UTF-8 cannot encode) or NUL (`"\\u0000"`,
  which PostgreSQL refuses in text) — each a 500 when saved.
- Forms and query strings: a multipart part whose name Werkzeug cannot read is kept under the key None,
  and WTForms' FieldList calls `None.startswith` on it (a 500): such parts are dropped. NUL characters,
  which no browser sends and PostgreSQL refuses in text, are removed from names and values.
- URL parts: a NUL in a path segment (`/courses/a%00b`) matches no rule (404) rather than reaching a
  query PostgreSQL refuses.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import MultiDict
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter, UnicodeConverter
from werkzeug.utils import cached_property

#: the largest value an INTEGER column holds on PostgreSQL (32-bit; SQLite's would hold 64): every id, and
#: every whole number a form takes, stays within it on both databases
MAX_ID = 2**31 - 1
#: no request body the platform accepts nests deeper than this
MAX_JSON_DEPTH = 32


class TextConverter(UnicodeConverter):
    """The default `<name>` converter, not matching a segment with NUL in it."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that never matches a number a database id cannot be."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _not_json(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is beyond a float")
    return value


def _encodable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("JSON text holds a lone surrogate") from None
    if "\x00" in text:
        raise ValueError("JSON text holds NUL")


def json_depth(value: object) -> int:
    """How deeply lists and objects nest in `value` (a scalar is 0), without recursion.

    Every text met on the way (keys and values) is checked to be storable text (ValueError if not).
    """
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            for key in item:
                _encodable(key)
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            if isinstance(item, str):
                _encodable(item)
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
            value = json.loads(s, parse_constant=_not_json, parse_float=_finite, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if json_depth(value) > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        return value


def _without_nul(values: MultiDict, cls: type) -> MultiDict:
    if not any("\x00" in k or "\x00" in v for k, v in values.items(multi=True)):
        return values
    return cls((k.replace("\x00", ""), v.replace("\x00", "")) for k, v in values.items(multi=True))


class NamedPartsParser(FormDataParser):
    """Werkzeug's form parser, without the parts that have no name and without NUL characters."""

    def parse(self, *args: Any, **kwargs: Any):
        stream, form, files = super().parse(*args, **kwargs)
        if None in form or None in files:
            # werkzeug types the keys as str, but its parser files a part without a name under None
            for upload in files.getlist(None):  # type: ignore[call-overload]
                upload.close()
            form = self.cls((k, v) for k, v in form.items(multi=True) if k is not None)
            files = self.cls((k, v) for k, v in files.items(multi=True) if k is not None)
        return stream, _without_nul(form, self.cls), files


class BoundedRequest(Request):
    form_data_parser_class = NamedPartsParser

    @cached_property
    def args(self) -> MultiDict[str, str]:
        return _without_nul(super().args, self.parameter_storage_class)


def install(app: Flask) -> None:
    """Call before any blueprint is registered, so every `<int:…>` rule uses the bounded converter."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    app.json = BoundedJSONProvider(app)
    app.request_class = BoundedRequest
