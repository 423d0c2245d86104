"""The password rule, in one place: long enough, not one of the passwords everybody tries first, not the username.

Length alone lets `12345678`, `password` and `zhangsan123` through, and those are exactly what a guesser tries
first (the sign-in throttle slows guessing down; it cannot make a guessable password safe). The rule refuses:

- anything shorter than the configured minimum (`PASSWORD_MIN_LENGTH`);
- one character repeated (`aaaaaaaa`, `11111111`);
- the username, also reversed, and with digits or symbols around it (`zhangsan123`, `123zhangsan`, `nasgnahz!`);
- a password on the shipped list `common_passwords.txt` (data, one per line, lowercase), also with digits or
  symbols around it (`iloveyou2026`, `1314woaini`).

Everything is compared after lowercasing, since case is the first thing a guesser varies. The list is read once per
process and cached. The module is pure (no Flask), so the forms, the services and the CLI share the same rule.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import click

from .. import messages

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

#: digits, punctuation and spaces at either end: what people add to a word to "make it stronger"
_DECORATION = re.compile(r"^[\d\W_]+|[\d\W_]+$")
#: a decorated password is compared with the list only when this much of a word is left, so `ab12345678!`
#: is not refused because `ab` happens to be short for something
_MIN_CORE = 4


class PasswordRejected(click.ClickException):
    """The password breaks the rule; `key` names the message in trainer.messages, `values` fill it in.

    A ClickException so `trainer user create` (which goes through the same service) prints the reason and exits 1
    rather than showing a traceback; the web views catch it like any other account error.
    """

    def __init__(self, key: str, **values: object):
        super().__init__(messages.msg(key, **values))
        self.key = key
        self.values = values


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list, lowercased; blank lines and lines starting with `#` are ignored. Read once, then cached."""
    text = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _core(text: str) -> str:
    return _DECORATION.sub("", text)


def weakness(password: str, username: str = "", *, min_length: int = 8) -> tuple[str, dict[str, object]] | None:
    """Why `password` is refused for `username`, as (message key, values); None when it is acceptable."""
    password = password or ""
    if len(password) < min_length:
        return "password.too_short", {"minimum": min_length}
    lowered = password.lower()
    if len(set(lowered)) == 1:
        return "password.repeated", {}
    core = _core(lowered)
    name = (username or "").strip().lower()
    if name:
        names = {name, name[::-1], _core(name), _core(name)[::-1]} - {""}
        if lowered in names or core in names:
            return "password.username", {}
    listed = common_passwords()
    if lowered in listed or (len(core) >= _MIN_CORE and core in listed):
        return "password.common", {}
    return None


def check(password: str, username: str = "", *, min_length: int = 8) -> None:
    """Raise PasswordRejected when `password` breaks the rule (see `weakness`)."""
    problem = weakness(password, username, min_length=min_length)
    if problem is not None:
        key, values = problem
        raise PasswordRejected(key, **values)
