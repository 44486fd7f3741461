"""Gloss a phrase or passage: its words, each with a reading and its CC-CEDICT entries.

The face of ``reader gloss`` (scripts, translators) and what the dictionary popup shows for one word.
Words come from the same segmenter as the app (so codebook tags and user words stay whole); readings come
from the text in context (重庆 reads chóng qìng); a word CC-CEDICT does not list is glossed character by
character in ``parts``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reader.dictionary import Dictionary, Entry
from reader.readings import char_readings, check_system
from reader.words import Words

__all__ = ["Gloss", "gloss_text"]


@dataclass(frozen=True)
class Gloss:
    word: str
    start: int  # offsets into the glossed text
    end: int
    reading: str  # syllables separated by spaces: "tán huā yī xiàn"
    entries: tuple[Entry, ...]
    parts: tuple[Gloss, ...] = field(default=())  # one per character, when the word has no entry

    def as_json(self) -> dict[str, Any]:
        return {
            "word": self.word,
            "start": self.start,
            "end": self.end,
            "reading": self.reading,
            "entries": [_entry_json(e) for e in self.entries],
            "parts": [p.as_json() for p in self.parts],
        }


def _entry_json(e: Entry) -> dict[str, Any]:
    return {
        "traditional": e.traditional,
        "simplified": e.simplified,
        "pinyin": e.pinyin_marks,
        "pinyin_numbered": e.pinyin,
        "definitions": list(e.definitions),
    }


def gloss_text(text: str, words: Words, dictionary: Dictionary, system: str = "pinyin") -> list[Gloss]:
    """Every word of ``text`` in order (punctuation and spaces left out)."""
    check_system(system)
    spans = list(words.for_passage(text).spans())
    syllables = char_readings(text, system, converter=words.converter)
    result = []
    for start, end in spans:
        word = text[start:end]
        reading = " ".join(s for s in syllables[start:end] if s)
        entries = tuple(dictionary.lookup(word))
        parts: tuple[Gloss, ...] = ()
        if not entries and end - start > 1:
            parts = tuple(
                Gloss(text[i], i, i + 1, syllables[i], tuple(dictionary.lookup(text[i])))
                for i in range(start, end)
                if syllables[i]
            )
        result.append(Gloss(word, start, end, reading, entries, parts))
    return result
