"""Words, readings and the dictionary: segmentation speed, look-up latency and memory, beside references.

Run with ``python benchmarks/run.py words``. Targets (issue "read Chinese like a native tool"): segmenting
zuozhuan (624k chars) <= 1 s in a worker; the first dictionary look-up <= 200 ms, later ones <= 5 ms;
segmenter and dictionary together <= 150 MB. Memory and first look-ups are measured in fresh processes.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from _report import REPO, ZUOZHUAN, report, timed

from reader.convert import Converter
from reader.dictionary import Dictionary
from reader.sanitise import normalise
from reader.words import Segmenter, ViewWords, Words, segment_article

_RSS = "int(open('/proc/self/statm').read().split()[1]) * 4096 / 1e6"


def _child(code: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; it prints one JSON object."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO, timeout=600
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _segmentation(text: str, article: SimpleNamespace, cache: Path) -> None:
    converter = Converter()
    simplified = converter.view(article, "simplified").text
    import rjieba

    t0 = time.perf_counter()
    bare = rjieba.Jieba()
    bare_load = time.perf_counter() - t0
    bare_cut = timed(lambda: bare.cut(simplified), repeat=3)
    report(
        "bare rjieba: cut 简体 zuozhuan", bare_cut * 1000, "ms", f"reference (its load: {bare_load:.2f} s)"
    )
    try:
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        t0 = time.perf_counter()
        jieba.lcut(simplified)
        report(
            "bare jieba (pure Python): cut 简体 zuozhuan",
            (time.perf_counter() - t0) * 1000,
            "ms",
            "reference",
        )
    except ImportError:
        print("(jieba not installed: `pip install jieba` to print its figure too)")
    dictionary = Dictionary(cache / "dictionary")
    dictionary.prepare()
    segmenter = Segmenter(dictionary.headwords)
    t0 = time.perf_counter()
    segmenter.prepare()
    load = time.perf_counter() - t0
    report("our segmenter: load (rjieba + ~30k CC-CEDICT words)", load * 1000, "ms", "one-off, in a worker")
    seg = timed(lambda: segment_article(article, converter, segmenter), repeat=3)
    report(
        "segment zuozhuan (简体 view built, segmenter loaded)",
        seg * 1000,
        "ms",
        f"{seg / bare_cut:.2f}x bare rjieba; target <= 1000 ms",
        seg <= 1.0,
    )
    fresh = Converter()
    t0 = time.perf_counter()
    words = Words(fresh, dictionary=dictionary, cache_dir=cache / "words")
    first = words.for_article(article)
    cold = time.perf_counter() - t0
    report(
        "…cold: 简体 view + segmenter load + segment + cache write",
        cold * 1000,
        "ms",
        "target <= 1000 ms",
        cold <= 1.0,
    )
    again = Words(fresh, dictionary=dictionary, cache_dir=cache / "words")
    cached = timed(lambda: (again._memory.clear(), again.for_article(article)), repeat=3)
    report("…next process: read from the disk cache", cached * 1000, "ms", f"{len(first):,} words")
    taiwan = fresh.view(article, "taiwan")
    build = timed(lambda: ViewWords(first, taiwan.offsets), repeat=3)
    report(
        "words in the 臺灣 view (mapped through its offsets)",
        build * 1000,
        "ms",
        "once per view, in a worker",
    )
    in_view = ViewWords(first, taiwan.offsets)
    step = timed(lambda: [in_view.next_start(p) for p in range(0, 600_000, 600)], repeat=3) / 1000
    report("w / word-at at a position", step * 1e6, "us", "per key press; target < 1000 us", step < 1e-3)


def _dictionary(cache: Path) -> None:
    t0 = time.perf_counter()
    Dictionary(cache / "fresh").prepare()
    report(
        "dictionary index build (once per CC-CEDICT version)",
        (time.perf_counter() - t0) * 1000,
        "ms",
        "one-off",
    )
    first = _child(
        "import time; t0 = time.perf_counter()\n"
        "from pathlib import Path\nfrom reader.convert import Converter\n"
        "from reader.dictionary import Dictionary\n"
        "c = Converter()\n"
        f"d = Dictionary(Path({str(cache / 'dictionary')!r}), fold=lambda w: c.convert(w, 'simplified'))\n"
        "d.lookup('曇花一現'); t1 = time.perf_counter()\n"
        "import json; print(json.dumps({'first': t1 - t0}))"
    )
    report("first look-up in a fresh process (imports included)", first["first"] * 1000, "ms",
           "target <= 200 ms", first["first"] <= 0.2)  # fmt: skip
    converter = Converter()
    d = Dictionary(cache / "dictionary", fold=lambda w: converter.convert(w, "simplified"))
    d.lookup("数据")
    later = timed(lambda: d.lookup("曇花一現"), repeat=200)
    report("later look-up", later * 1000, "ms", "target <= 5 ms", later <= 0.005)
    text = "热潮恐昙花一现，中华人民共和国国务院新闻办公室"
    around = timed(lambda: d.candidates(text, 16), repeat=200)
    report("shorter/longer words at a position (↑/↓)", around * 1000, "ms", "target <= 5 ms", around <= 0.005)


def _memory(cache: Path) -> None:
    path = str(ZUOZHUAN)
    bare = _child(
        f"import rjieba, opencc\nr = lambda: {_RSS}\n"
        f"t = opencc.OpenCC('t2s').convert(open({path!r}, encoding='utf-8').read())\nbase = r()\n"
        "j = rjieba.Jieba(); j.cut(t)\nimport json; print(json.dumps({'mb': r() - base}))"
    )
    ours = _child(
        "import hashlib\nfrom pathlib import Path\nfrom types import SimpleNamespace\n"
        "from reader.convert import Converter\nfrom reader.dictionary import Dictionary\n"
        "from reader.sanitise import normalise\nfrom reader.words import Words\n"
        f"r = lambda: {_RSS}\nc = Converter()\n"
        f"text = normalise(open({path!r}, encoding='utf-8').read())\n"
        "a = SimpleNamespace(text=text, sha256=hashlib.sha256(text.encode()).hexdigest())\n"
        "c.view(a, 'simplified')\nbase = r()\n"
        f"d = Dictionary(Path({str(cache / 'dictionary')!r}), fold=lambda w: c.convert(w, 'simplified'))\n"
        "w = Words(c, dictionary=d)\nwords = w.for_article(a)\n"
        "[d.candidates(text, p) for p in range(0, 600000, 1000)]\n"
        "import json; print(json.dumps({'mb': r() - base}))"
    )
    report("memory: bare rjieba, loaded + zuozhuan cut", bare["mb"], "MB", "reference")
    report("memory: our segmenter + dictionary + zuozhuan's words", ours["mb"], "MB",
           "target <= 150 MB", ours["mb"] <= 150)  # fmt: skip
    readings = _child(
        "from reader.readings import char_readings\n"
        f"r = lambda: {_RSS}\nbase = r()\nimport time; t0 = time.perf_counter()\n"
        "char_readings('重庆'); t1 = time.perf_counter(); m1 = r() - base\n"
        "char_readings('香港', 'jyutping'); t2 = time.perf_counter()\n"
        "import json; print(json.dumps({'py': t1 - t0, 'pymb': m1, 'jp': t2 - t1, 'jpmb': r() - base - m1}))"
    )
    report(
        "pypinyin: first reading (load) / memory", readings["py"] * 1000, "ms", f"+{readings['pymb']:.0f} MB"
    )
    report("ToJyutping: first reading (load) / memory", readings["jp"] * 1000, "ms",
           f"+{readings['jpmb']:.0f} MB, only when jyutping is asked for")  # fmt: skip


def _readings() -> None:
    from reader.articles import load_file
    from reader.layout import wrap_text
    from reader.readings import _mandarin, place_readings, view_readings

    converter = Converter()
    article = load_file(REPO / "seeds" / "001_8eaa32b1d9703bf4.txt")
    words = Words(converter).in_view(article, "original")
    view_readings(article.text, 0, 10, words=words, converter=converter)  # pypinyin loaded

    def screen() -> None:
        _mandarin.cache_clear()
        view_readings(article.text, 0, 2000, words=words, converter=converter)

    spent = timed(screen, repeat=3)
    report(
        "pinyin for a screen (2,000 chars, not cached)",
        spent * 1000,
        "ms",
        "per screen; cached per text after",
    )
    spans = view_readings(article.text, 0, len(article.text), words=words, converter=converter)
    layout = wrap_text(article.text, 80)
    placed = total = 0
    for index in range(len(layout)):
        start, end = layout.line(index)
        line_spans = [s for s in spans if start <= s.start < end]
        total += len(line_spans)
        placed += len(place_readings(article.text[start:end], line_spans, line_start=start, width=80))
    report("words with a visible reading at 80 cells (seed 001)", 100 * placed / max(total, 1), "%",
           f"{total} words; the rest in the popup")  # fmt: skip


def main() -> None:
    text = normalise(ZUOZHUAN.read_text(encoding="utf-8"))
    article = SimpleNamespace(text=text, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    print(f"zuozhuan.txt: {len(text):,} chars; medians; machine shared with other jobs (±30%)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        _segmentation(text, article, cache)
        _dictionary(cache)
        _memory(cache)
        _readings()
