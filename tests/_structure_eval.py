"""Scoring structure and damage detection against hand labels (tests/data/structure_labels.json).

Shared by tests/test_structure.py and benchmarks/bench_structure.py. Non-article detection is scored
per non-empty line (and weighted by characters): precision = detected lines that are labelled
non-article / detected lines; recall = labelled lines that were detected / labelled lines. Damage is
scored per spot: a detected spot is right when it overlaps a labelled one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from reader.damage import find_damage
from reader.sanitise import normalise
from reader.structure import Structure, detect

DATA = Path(__file__).parent / "data"
LABELS = DATA / "structure_labels.json"


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def labels(path: Path = LABELS) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def line_spans(text: str) -> list[tuple[int, int, int]]:
    """(line number from 1, start, end) of each non-empty line."""
    spans, pos = [], 0
    for number, raw in enumerate(text.split("\n"), 1):
        if raw.strip():
            spans.append((number, pos, pos + len(raw)))
        pos += len(raw) + 1
    return spans


def score_structure(text: str, structure: Structure, regions: list[list]) -> tuple[Score, Score, int, int]:
    """(line score, character score, lines whose kind matches, true-positive lines)."""
    labelled = {}
    for first, last, kind in regions:
        for number in range(first, last + 1):
            labelled[number] = kind
    lines, chars = Score(), Score()
    kinds_right = 0
    for number, start, end in line_spans(text):
        region = structure.region_at(start + len(text[start:end]) - len(text[start:end].lstrip()))
        truth = labelled.get(number)
        weight = end - start
        if region is not None and truth is not None:
            lines.tp += 1
            chars.tp += weight
            kinds_right += region.kind == truth
        elif region is not None:
            lines.fp += 1
            chars.fp += weight
        elif truth is not None:
            lines.fn += 1
            chars.fn += weight
    return lines, chars, kinds_right, lines.tp


def score_damage(text: str, truth: list[list]) -> Score:
    found = find_damage(text)
    score = Score()
    score.tp = sum(any(d.start < t[1] and t[0] < d.end for t in truth) for d in found)
    score.fp = len(found) - score.tp
    score.fn = sum(not any(d.start < t[1] and t[0] < d.end for d in found) for t in truth)
    return score


def evaluate(folder: Path, label_file: Path = LABELS) -> dict:
    """Scores over every labelled article in ``folder``."""
    data = labels(label_file)
    lines, chars, damage = Score(), Score(), Score()
    kinds_right = tp_lines = titles = 0
    for name, expected in data["articles"].items():
        text = normalise((folder / name).read_text(encoding="utf-8"))
        structure = detect(text)
        line_score, char_score, right, tp = score_structure(text, structure, expected["regions"])
        lines.add(line_score)
        chars.add(char_score)
        kinds_right += right
        tp_lines += tp
        titles += (expected["title"] is None and structure.title_span is None) or structure.title == expected[
            "title"
        ]
    for name, truth in data.get("damage", {}).items():
        damage.add(score_damage(normalise((folder / name).read_text(encoding="utf-8")), truth))
    return {
        "lines": lines,
        "chars": chars,
        "kinds": kinds_right / tp_lines if tp_lines else 1.0,
        "titles": (titles, len(data["articles"])),
        "damage": damage,
    }
