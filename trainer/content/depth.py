"""Whether a lesson holds enough for a trainee who studies it alone.

An explanation planned for 25 minutes that holds 1,200 characters is an instructor's outline: a trainee
reads it in four minutes and the course's hour means nothing. An explanation or case segment with
nothing interactive in it (no practice, role-play or quiz block) should hold about `CHARS_PER_MINUTE`
characters of text for every planned minute. This is advice for authors, printed by
`trainer content check` as warnings; it never stops a sync, because a thin segment is still correct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .courses import CourseDef, SegmentDef

#: characters of lesson text a trainee works through in a planned minute of self-study
CHARS_PER_MINUTE = 100
#: the segments a trainee reads; a discussion is a prompt for a group and its length says nothing
READ_KINDS = frozenset({"explain", "case"})

_TAG = re.compile(r"<[^>]+>")
_ENTITY = re.compile(r"&[#a-zA-Z0-9]+;")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class DepthWarning:
    source: str  # "path:line" of the segment heading
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


def text_length(segment: SegmentDef) -> int:
    """Characters of readable text in the segment (markup, tags and white space not counted)."""
    html = "".join(value for kind, value in segment.parts if kind == "html")
    if segment.intro_html:
        html = segment.intro_html + html
    return len(_SPACE.sub("", _ENTITY.sub("x", _TAG.sub("", html))))


def is_interactive(segment: SegmentDef) -> bool:
    return any(kind in ("practice", "roleplay", "quiz") for kind, _ in segment.parts)


def thin_segments(courses: dict[str, CourseDef], per_minute: int = CHARS_PER_MINUTE) -> list[DepthWarning]:
    """Every segment without an interactive block whose text is short of `per_minute` × its minutes."""
    found = []
    for course in courses.values():
        for segment in course.segments:
            if segment.kind not in READ_KINDS or is_interactive(segment):
                continue
            have, want = text_length(segment), per_minute * segment.minutes
            if have < want:
                found.append(DepthWarning(segment.source or course.path,
                                          f"环节“{segment.title}”计划 {segment.minutes} 分钟，只有约 {have} 字；"
                                          f"学员自学约需每分钟 {per_minute} 字（{want} 字），"
                                          "请补充讲解、示范对话或自测题，或加入练习"))
    return found
