"""Script counts are exact: the fast counting (in regex blocks, characters beyond the BMP found only in
texts that hold any) against a plain count, character by character, of OpenCC's two character sets."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reader.scripts as scripts
from reader.scripts import detect_script_and_counts, script_counts, script_of_counts


def _plain_counts(text: str) -> tuple[int, int]:
    traditional, simplified = scripts._script_chars()
    return sum(ch in traditional for ch in text), sum(ch in simplified for ch in text)


def _astral_of_each_script() -> tuple[str, str]:
    traditional, simplified = scripts._script_chars()
    return (
        min(ch for ch in traditional if ch >= "\U00010000"),
        min(ch for ch in simplified if ch >= "\U00010000"),
    )


# Traditional-only, Simplified-only and shared characters, ASCII, a Latin-1 letter, and both scripts'
# characters beyond the BMP with a shared one (\U00020000): runs long enough for whole 32-character blocks.
_ALPHABET = "這個國家經濟發展臺灣这个国家经济发展台湾中文人口大山的了是 a1é\n。\U00020000" + "".join(
    _astral_of_each_script()
)
_TEXTS = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=600) | st.lists(
    st.sampled_from(["這個國家經濟" * 20, "这个国家经济" * 20, "中文人口" * 30, "\U00020000", "é"]),
    max_size=8,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_counts_are_those_of_a_plain_count(text: str) -> None:
    assert script_counts(text) == _plain_counts(text)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_detection_answers_as_the_plain_counts_and_gives_them_for_a_mixed_text(text: str) -> None:
    plain = _plain_counts(text)
    script, counts = detect_script_and_counts(text)
    assert script == script_of_counts(*plain)
    assert counts is None or counts == plain
    if script == "mixed":
        assert counts == plain


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_character_beyond_the_bmp_is_counted_wherever_it_is_in_a_long_text(where: str) -> None:
    """A text of BMP characters with one Traditional character beyond it: that one decides the answer."""
    wide, _ = _astral_of_each_script()
    shared = "中文人口" * 2_000
    at = {"start": 0, "middle": len(shared) // 2, "end": len(shared)}[where]
    text = shared[:at] + wide + shared[at:]
    assert script_counts(text) == (1, 0)
    assert detect_script_and_counts(text) == ("traditional", None)


def test_an_article_opening_in_the_other_script_is_told_by_the_rest() -> None:
    """An opening quote in Simplified does not make a Traditional article Simplified, nor mixed."""
    text = "这个国家的经济发展" * 3 + "\n" + "這個國家的經濟發展，臺灣的人口" * 200
    assert detect_script_and_counts(text)[0] == "traditional"


def test_a_cold_listing_loads_neither_the_opencc_binding_nor_openssl(tmp_path) -> None:
    """A listing only detects scripts and reads heads: the shipped tables are checked against the installed
    OpenCC by its version, without loading its C++ library, and no text is hashed (loading OpenSSL): each
    costs 3-40 ms of every cold ``reader list``, the more when their pages were not used for a while."""
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text("這個國家的經濟發展\n", encoding="utf-8")
    code = (
        "import sys\nfrom reader.cli import main\n"
        f"main(['--articles', {str(articles)!r}, '--db', {str(tmp_path / 'db')!r}, 'list'])\n"
        "print(sorted(m for m in ('opencc', 'hashlib', '_hashlib') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "traditional" in done.stdout
    assert done.stdout.splitlines()[-1] == "[]"


def test_without_its_dist_info_the_version_is_the_bindings_own(monkeypatch: pytest.MonkeyPatch) -> None:
    import opencc

    monkeypatch.setattr(scripts.importlib.util, "find_spec", lambda name: None)
    assert scripts._installed_opencc_version() == opencc.__version__
