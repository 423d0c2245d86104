"""Cut a reply into runs for display: polite phrases, banned phrases, quoted words, plain text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    text: str
    kind: str  # "plain", "polite", "banned", "quoted"
    info: dict


_RANK = {"plain": 0, "polite": 1, "quoted": 2, "banned": 3}


def segments(text: str, report: dict) -> list[Segment]:
    """Runs of `text` marked by the stored report's spans; banned wins over quoted over polite."""
    marks: list[tuple[str, dict]] = [("plain", {})] * len(text)

    def paint(items: list[dict], kind: str) -> None:
        for item in items:
            for i in range(max(0, item["start"]), min(len(text), item["end"])):
                if _RANK[kind] > _RANK[marks[i][0]]:
                    marks[i] = (kind, item)

    paint(report.get("required", []), "polite")
    paint(report.get("quoted", []), "quoted")
    paint(report.get("banned", []), "banned")
    runs: list[Segment] = []
    for i, ch in enumerate(text):
        kind, info = marks[i]
        if runs and runs[-1].kind == kind and runs[-1].info is info:
            runs[-1] = Segment(runs[-1].text + ch, kind, info)
        else:
            runs.append(Segment(ch, kind, info))
    return runs
