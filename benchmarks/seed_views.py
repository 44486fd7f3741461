"""How much each script view changes each seed, before and after views followed the source's script.

``python benchmarks/seed_views.py``: for seeds 000-004 and each view, the characters the view changes
(positions that differ from the original; a substituted phrase counts its longer side) and the phrases it
substitutes. "before" is the recipe every article got until then (the Simplified-input configs t2s / s2t /
s2twp / s2hk whatever the source: ``source="simplified"``); "after" is ``source="auto"``.
"""

from __future__ import annotations

from pathlib import Path

from reader.convert import Converter, ViewText
from reader.sanitise import normalise
from reader.scripts import detect_script

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
VIEWS = ("simplified", "traditional", "taiwan", "hongkong")


def changed(original: str, built: ViewText) -> int:
    """Characters the view changed: differing positions outside segments, plus each segment's longer side."""
    count = 0
    prev_o = prev_v = 0
    for a, b, c, d in (
        *built.offsets.segments,
        (len(original), len(original), len(built.text), len(built.text)),
    ):
        count += sum(1 for x, y in zip(original[prev_o:a], built.text[prev_v:c], strict=True) if x != y)
        count += max(b - a, d - c)
        prev_o, prev_v = b, d
    return count


def main() -> None:
    converter = Converter()
    print(
        f"{'seed':<5}{'script':<12}{'view':<12}{'chars before':>13}{'after':>7}"
        f"{'phrases before':>16}{'after':>7}"
    )
    for path in sorted(SEEDS.glob("*.txt")):
        text = normalise(path.read_text(encoding="utf-8"))
        script = detect_script(text)
        for view in VIEWS:
            before = converter.build_view(text, view, source="simplified")
            after = converter.build_view(text, view, source="auto", script=script)
            print(
                f"{path.name[:3]:<5}{script:<12}{view:<12}"
                f"{changed(text, before):>13}{changed(text, after):>7}"
                f"{len(before.phrases):>16}{len(after.phrases):>7}"
            )


if __name__ == "__main__":
    main()
