"""The article library: discover ``*.txt`` files, decode them, normalise once, and describe them cheaply.

Listing must stay fast for big folders, so :meth:`Library.list` reads only a small head of each file (the
whole file when it is small) and caches what it learnt by ``(size, mtime_ns)``; :meth:`Library.load` reads
the whole file and records exact metadata. Every offset anywhere refers to :attr:`Article.text`, the text
after :func:`reader.sanitise.normalise`.
"""

from __future__ import annotations

import builtins
import codecs
import contextlib
import functools
import hashlib
import math
import operator
import os
import re
import stat
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from reader.errors import ArticleError, UsageError
from reader.sanitise import CONTROL_TABLE, normalise_newlines, safe_line, sanitise

HEAD_BYTES = 16 * 1024
"""How much of a file :meth:`Library.list` reads when it has no cached metadata."""

MAX_BYTES = 64 * 1024 * 1024
"""Bigger files are refused: they are not articles and would freeze the reader."""

CACHE_FILE = "articles-cache.json"
CACHE_VERSION = 1
CHARS_PER_MINUTE = 400  # CJK reading speed
TITLE_LIMIT = 200

SCRIPTS = ("simplified", "traditional", "mixed", "none")

# Byte-order marks, longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
_BIG5_CODECS = ("big5", "cp950", "big5hkscs")  # plain Big5 first; Windows and Hong Kong extensions next

# The ~500 most frequent Chinese characters (simplified forms; traditional forms are added at first use).
# Used to choose between GB18030 and Big5 when a file decodes strictly as both: the right reading is
# full of these, a wrong one is mostly rare characters, kana and private-use code points.
_COMMON_SIMPLIFIED = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里"
    "用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实"
    "日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政"
    "美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员"
    "解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件"
    "计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象"
    "完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改"
    "收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调"
    "深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企"
    "八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列"
    "武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供"
    "效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值"
    "仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳"
    "若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷"
    "洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈"
    "刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央"
    "户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括"
    "舰鱼杂误湖阅网络视频用户平台社交媒体美国中国"
)


@dataclass(frozen=True)
class ArticleInfo:
    """What the library list needs; cheap to compute from a file head (see ``chars_exact``)."""

    id: str  # path relative to the articles root, with "/"
    path: Path
    title: str  # first non-empty line (sanitised, stripped, one line); file stem if none
    script: str  # "simplified" | "traditional" | "mixed" | "none"  ("" if error)
    chars: int  # code points of the normalised text
    chars_exact: bool  # False while estimated from the file head
    paragraphs: int
    reading_minutes: float  # chars / 400 per minute, rounded up to half a minute
    size: int
    mtime_ns: int
    error: str | None = None  # one line; the article is still listed


@dataclass(frozen=True)
class Article:
    info: ArticleInfo
    text: str  # normalised original
    sha256: str  # of `text` encoded as UTF-8
    paragraphs: tuple[tuple[int, int], ...]  # (start, end) of each non-empty line in text, without "\n"


# --------------------------------------------------------------------------------------------- decoding


def _try_decode(data: bytes, codec: str, final: bool) -> str | None:
    """Strict decode; with ``final=False`` an incomplete multi-byte sequence at the end is dropped."""
    try:
        if final:
            return data.decode(codec)
        return codecs.getincrementaldecoder(codec)().decode(data, final=False)
    except UnicodeDecodeError:
        return None


@functools.cache
def _opencc(config: str) -> Any:
    import opencc  # the official binding; imported lazily so that importing this module stays cheap

    return opencc.OpenCC(config)


@functools.cache
def _common_chars() -> frozenset[str]:
    simplified = _COMMON_SIMPLIFIED
    # One character per line so that phrase tables cannot change the result.
    traditional = _opencc("s2t").convert("\n".join(simplified)).replace("\n", "")
    return frozenset(simplified) | frozenset(traditional)


def _chinese_score(text: str) -> int:
    """Frequent Chinese characters minus private-use/kana code points: high for the right decoding."""
    common = _common_chars()
    score = 0
    for ch in text[:20_000]:  # plenty to tell, and bounded for big files
        if ch in common:
            score += 1
        elif "\ue000" <= ch <= "\uf8ff" or "\u3040" <= ch <= "\u30ff":
            score -= 1
    return score


def _decode(data: bytes, where: str, final: bool = True) -> str:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            text = _try_decode(data[len(bom) :], codec, final)
            if text is None:
                raise ArticleError(
                    f"{safe_line(where)}: starts with a {label} byte-order mark but is not valid {label}; "
                    "re-save it as UTF-8"
                )
            return text
    if b"\x00" in data:
        raise ArticleError(
            f"{safe_line(where)}: looks like a binary file (it has NUL bytes and no UTF-16/32 "
            "byte-order mark); re-save it as UTF-8 text"
        )
    text = _try_decode(data, "utf-8", final)
    if text is not None:
        return text

    gb = _try_decode(data, "gb18030", final)
    big5 = None
    for codec in _BIG5_CODECS:
        big5 = _try_decode(data, codec, final)
        if big5 is not None:
            break
    if gb is not None and big5 is not None:
        # Big5 bytes are nearly always valid GB18030 too (and short GBK text can be valid Big5), and
        # charset-normalizer mislabels short samples ("中文", "说明" in GBK come out as Big5), so decide
        # by which reading is made of frequent Chinese characters; charset-normalizer only breaks ties.
        gb_score, big5_score = _chinese_score(gb), _chinese_score(big5)
        if gb_score != big5_score:
            return gb if gb_score > big5_score else big5
        from charset_normalizer import from_bytes  # lazily: most files are UTF-8

        best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
        return big5 if best is not None and best.encoding == "big5" else gb
    if gb is not None:
        return gb
    if big5 is not None:
        return big5
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()  # neither Chinese encoding: let charset-normalizer try the rest
    if best is not None:
        return str(best)
    raise ArticleError(
        f"{safe_line(where)}: cannot decode the text (not UTF-8, UTF-16/32 with a BOM, GB18030 or Big5); "
        "re-save it as UTF-8"
    )


def decode_bytes(data: bytes, where: str) -> str:
    """Decode a whole file's bytes; ``where`` names the file in the one-line :class:`ArticleError`.

    UTF-8 (with or without BOM), UTF-16/32 with a BOM, then GB18030 or Big5 (whichever reads as Chinese),
    then whatever charset-normalizer finds. NUL bytes without a UTF-16/32 BOM mean a binary file.
    """
    return _decode(data, where, final=True)


# --------------------------------------------------------------------------------------------- metadata


# CJK blocks where OpenCC has character mappings: Ext A, URO, compatibility ideographs, Ext B and later.
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))


#: The two character sets for the OpenCC version they were built with (building them takes ~0.2 s, which
#: a first start-up or the first opened article would otherwise pay). Regenerate after an OpenCC upgrade:
#: ``python -c "from reader.articles import write_script_tables; write_script_tables()"``
SCRIPT_TABLES = Path(__file__).with_name("data") / "script_chars.json"


def _opencc_version() -> str:
    import opencc

    return str(getattr(opencc, "__version__", ""))


@functools.cache
def _script_chars() -> tuple[frozenset[str], frozenset[str]]:
    """(traditional-only, simplified-only) characters: those OpenCC t2s (resp. s2t) changes.

    Read from SCRIPT_TABLES when they were built with the installed OpenCC, else built here.
    """
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        shipped = orjson.loads(SCRIPT_TABLES.read_bytes())
        if shipped["opencc"] == _opencc_version() and shipped["opencc"]:
            return frozenset(shipped["traditional"]), frozenset(shipped["simplified"])
    return build_script_chars()


def build_script_chars() -> tuple[frozenset[str], frozenset[str]]:
    """The sets of :func:`_script_chars`, from the installed OpenCC.

    Converts every CJK code point on a line of its own. Characters both configs change (compatibility
    ideographs such as U+F901 更) say nothing about the script and are left out of both sets.
    """
    chars = [chr(code) for start, end in _CJK_RANGES for code in range(start, end + 1)]
    joined = "\n".join(chars)
    to_simp = _opencc("t2s").convert(joined).split("\n")
    to_trad = _opencc("s2t").convert(joined).split("\n")
    if len(to_simp) != len(chars) or len(to_trad) != len(chars):  # pragma: no cover - OpenCC invariant
        raise RuntimeError("OpenCC changed the number of lines while converting single characters")
    trad = {ch for ch, out in zip(chars, to_simp, strict=True) if out != ch}
    simp = {ch for ch, out in zip(chars, to_trad, strict=True) if out != ch}
    both = trad & simp
    return frozenset(trad - both), frozenset(simp - both)


def write_script_tables(path: Path = SCRIPT_TABLES) -> None:
    """Write the sets built from the installed OpenCC to ``path`` (a file shipped in the package)."""
    trad, simp = build_script_chars()
    record = {
        "opencc": _opencc_version(),
        "traditional": "".join(sorted(trad)),
        "simplified": "".join(sorted(simp)),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2) + b"\n")


def _char_class(chars: Iterable[str]) -> re.Pattern[str]:
    """A regex matching any one of ``chars``, written as ranges of consecutive code points."""
    codes = sorted(map(ord, chars))
    parts: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        parts.append(chr(codes[i]) if i == j else f"{chr(codes[i])}-{chr(codes[j])}")
        i = j + 1
    return re.compile(f"[{''.join(parts)}]" if parts else "(?!)")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@functools.cache
def _script_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Regexes for the two sets, BMP and astral apart: a BMP-only class compiles to a fast bitmap."""
    trad, simp = _script_chars()
    return (
        _char_class(ch for ch in trad if ch < "\U00010000"),
        _char_class(ch for ch in simp if ch < "\U00010000"),
        _char_class(ch for ch in trad if ch >= "\U00010000"),
        _char_class(ch for ch in simp if ch >= "\U00010000"),
    )


def script_counts(text: str) -> tuple[int, int]:
    """(traditional-only, simplified-only) code points in ``text``, by OpenCC's character tables.

    Character by character rather than converting each text with OpenCC's phrase tables and comparing:
    that was five to ten times slower, too slow for listing 10,000 files, and on the seeds the counts
    agree within a few characters (e.g. 1873/41 vs 1875/44 for seed 000).
    """
    trad_bmp, simp_bmp, trad_astral, simp_astral = _script_patterns()
    trad = len(trad_bmp.findall(text))
    simp = len(simp_bmp.findall(text))
    if _ASTRAL.search(text):
        trad += len(trad_astral.findall(text))
        simp += len(simp_astral.findall(text))
    return trad, simp


def detect_script(text: str) -> str:
    """ "traditional" / "simplified" / "mixed" / "none", from the characters OpenCC would change."""
    trad, simp = script_counts(text)
    if trad == 0 and simp == 0:
        return "none"
    # A little of the other script is normal (台, 群, 里 in Traditional text; names, quotes, encoding
    # damage), so a script needs three times as many distinctive characters as the other to win.
    if trad >= 3 * simp:
        return "traditional"
    if simp >= 3 * trad:
        return "simplified"
    return "mixed"


_NEEDS_SANITISE = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(CONTROL_TABLE)) + "]")


def normalise_text(text: str) -> str:
    """Exactly :func:`reader.sanitise.normalise`, skipping the (slow) translate when nothing would change."""
    text = normalise_newlines(text)
    return sanitise(text) if _NEEDS_SANITISE.search(text) else text


def reading_minutes(chars: int) -> float:
    """Minutes at 400 characters a minute, rounded up to the next half minute (0 for no text)."""
    return math.ceil(chars * 2 / CHARS_PER_MINUTE) / 2


def paragraph_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every line with something other than whitespace in it."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line and not line.isspace():
            spans.append((pos, end))
        pos = end + 1
    return tuple(spans)


def _title(text: str, spans: tuple[tuple[int, int], ...], stem: str) -> str:
    if not spans:
        return safe_line(stem, TITLE_LIMIT)
    start, end = spans[0]
    title = " ".join(text[start:end].split())  # text is already sanitised: only collapse and cut
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"


def _stem(article_id: str) -> str:
    name = article_id.rsplit("/", 1)[-1]
    stem = name[:-4] if name.lower().endswith(".txt") else Path(name).stem
    # A file name that is not valid UTF-8 arrives with lone surrogates, which cannot be printed.
    return stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _error_info(article_id: str, path: Path, size: int, mtime_ns: int, error: str) -> ArticleInfo:
    return ArticleInfo(
        id=article_id,
        path=path,
        title=safe_line(_stem(article_id), TITLE_LIMIT),
        script="",
        chars=0,
        chars_exact=False,
        paragraphs=0,
        reading_minutes=0.0,
        size=size,
        mtime_ns=mtime_ns,
        error=error,
    )


def _read_error(path: Path, exc: OSError) -> ArticleError:
    reason = exc.strerror or exc.__class__.__name__
    return ArticleError(
        safe_line(f"cannot read {path}: {reason}; check that the file exists and is readable")
    )


def _too_large(path: Path, size: int) -> ArticleError:
    return ArticleError(
        safe_line(
            f"{path}: too large for an article ({size / 1024 / 1024:.0f} MiB, the limit is "
            f"{MAX_BYTES // 1024 // 1024} MiB); split it into smaller files"
        )
    )


def _read_head(path: Path, limit: int) -> bytes:
    """The first ``limit`` bytes of a file (a seam for tests that count reads)."""
    with open(path, "rb") as f:
        return f.read(limit)


def _read_all(path: Path) -> tuple[bytes, os.stat_result]:
    """The whole file and its stat, taken from the same open file."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        if st.st_size > MAX_BYTES:
            raise _too_large(path, st.st_size)
        return f.read(), st


def _describe(
    article_id: str,
    path: Path,
    text: str,
    size: int,
    mtime_ns: int,
    scale: float | None = None,
    known_script: str | None = None,
) -> tuple[ArticleInfo, tuple[tuple[int, int], ...]]:
    """Metadata of normalised ``text``; with ``scale`` (file size / head size) ``text`` is only a head.

    ``known_script``: the script already detected for this same file version (from the listing), which
    spares opening a large article the one-off cost of building the script tables.
    """
    spans = paragraph_spans(text)
    chars, paragraphs = len(text), len(spans)
    if scale is not None:
        chars = max(chars, round(chars * scale))
        paragraphs = max(paragraphs, round(paragraphs * scale))
    info = ArticleInfo(
        id=article_id,
        path=path,
        title=_title(text, spans, _stem(article_id)),
        script=known_script or detect_script(text),
        chars=chars,
        chars_exact=scale is None,
        paragraphs=paragraphs,
        reading_minutes=reading_minutes(chars),
        size=size,
        mtime_ns=mtime_ns,
    )
    return info, spans


def _build_article(
    article_id: str, path: Path, data: bytes, size: int, mtime_ns: int, known_script: str | None = None
) -> Article:
    text = normalise_text(decode_bytes(data, str(path)))
    info, spans = _describe(article_id, path, text, size, mtime_ns, known_script=known_script)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Article(info=info, text=text, sha256=sha, paragraphs=spans)


def _head_info(article_id: str, path: Path, size: int, mtime_ns: int) -> ArticleInfo:
    """Metadata from the head of a file: exact when the head is the whole file, estimated otherwise."""
    if size > MAX_BYTES:
        return _error_info(article_id, path, size, mtime_ns, str(_too_large(path, size)))
    try:
        data = _read_head(path, HEAD_BYTES)
        whole = len(data) < HEAD_BYTES or len(data) >= size
        text = normalise_text(_decode(data, str(path), final=whole))
    except OSError as exc:
        return _error_info(article_id, path, size, mtime_ns, str(_read_error(path, exc)))
    except ArticleError as exc:
        return _error_info(article_id, path, size, mtime_ns, str(exc))
    return _describe(article_id, path, text, size, mtime_ns, None if whole else size / len(data))[0]


def load_file(path: Path, article_id: str | None = None) -> Article:
    """Load any file (not necessarily in a library); the id defaults to the file name."""
    path = Path(path)
    try:
        data, st = _read_all(path)
    except OSError as exc:
        raise _read_error(path, exc) from exc
    return _build_article(article_id or path.name, path, data, st.st_size, st.st_mtime_ns)


# --------------------------------------------------------------------------------------------- discovery


def _discover(root: Path) -> list[tuple[str, str, os.stat_result]]:
    """(id, path, stat) of every ``*.txt`` under ``root``, following symlinks without looping.

    Each directory is walked once, identified by (st_dev, st_ino). Real directories are walked before
    symlinked ones, so a directory that is also reachable through a link keeps its real path as its id.
    """
    try:
        root_st = os.stat(root)
    except OSError:
        root_st = None
    if root_st is None or not stat.S_ISDIR(root_st.st_mode):
        raise UsageError(safe_line(f"articles folder not found: {root}; pass --articles DIR"))
    visited = {(root_st.st_dev, root_st.st_ino)}
    found: list[tuple[str, str, os.stat_result]] = []
    stack: list[tuple[str, str]] = [("", os.fspath(root))]  # (id prefix, directory path)
    links: list[tuple[str, str]] = []
    while stack or links:
        if not stack:
            links.sort(reverse=True)
            prefix, dir_path = links.pop()
            try:
                st = os.stat(dir_path)
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key in visited:
                continue
            visited.add(key)
            stack.append((prefix, dir_path))
        prefix, dir_path = stack.pop()
        try:
            entries = os.scandir(dir_path)
        except OSError:
            continue
        with entries:
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                try:
                    if entry.is_dir():
                        if entry.is_symlink():
                            links.append((prefix + name + "/", entry.path))
                            continue
                        st = entry.stat(follow_symlinks=False)
                        key = (st.st_dev, st.st_ino)
                        if key not in visited:  # e.g. a bind mount of an ancestor
                            visited.add(key)
                            stack.append((prefix + name + "/", entry.path))
                    elif name[-4:].lower() == ".txt" and entry.is_file():
                        found.append((prefix + name, entry.path, entry.stat()))
                except OSError:
                    continue  # vanished, broken link, no permission: not listable
    found.sort(key=operator.itemgetter(0))
    return found


# --------------------------------------------------------------------------------------------- cache

_INFO_FIELDS: dict[str, type | tuple[type, ...]] = {
    "title": str,
    "script": str,
    "chars": int,
    "chars_exact": bool,
    "paragraphs": int,
    "reading_minutes": (int, float),
    "size": int,
    "mtime_ns": int,
}


def _info_to_json(info: ArticleInfo) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(info, name) for name in _INFO_FIELDS}
    out["error"] = info.error
    return out


def _json_safe(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _info_from_json(article_id: str, path: Path, raw: Any) -> ArticleInfo | None:
    """An entry from the cache file, or None if it is not what we wrote."""
    if not isinstance(raw, dict):
        return None
    for name, kind in _INFO_FIELDS.items():
        value = raw.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return None
    error = raw.get("error")
    if error is not None and not isinstance(error, str):
        return None
    return ArticleInfo(
        id=article_id,
        path=path,
        title=raw["title"],
        script=raw["script"],
        chars=raw["chars"],
        chars_exact=raw["chars_exact"],
        paragraphs=raw["paragraphs"],
        reading_minutes=float(raw["reading_minutes"]),
        size=raw["size"],
        mtime_ns=raw["mtime_ns"],
        error=error,
    )


# --------------------------------------------------------------------------------------------- library


class Library:
    """The ``*.txt`` articles under ``root``; metadata cached in memory and, with ``cache_dir``, on disk."""

    def __init__(self, root: Path, cache_dir: Path | None = None) -> None:
        self.root = Path(root)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._lock = threading.RLock()
        self._cache: dict[str, ArticleInfo] | None = None  # id -> info, for this root
        self._other_roots: dict[str, Any] = {}  # other roots' sections of a shared cache file
        self._listed: dict[str, ArticleInfo] | None = None  # the last list(), by id
        self._dirty = False  # the cache has changes not yet written

    # -- public API

    def list(self) -> list[ArticleInfo]:
        """Every article, sorted by id; files that cannot be read are listed with ``error`` set."""
        return self._list(_discover(self.root))

    def _list(self, found: builtins.list[tuple[str, str, os.stat_result]]) -> builtins.list[ArticleInfo]:
        with self._lock:
            cache = self._load_cache()
            infos = [self._current(cache, article_id, path, st) for article_id, path, st in found]
            if len(cache) != len(infos):  # forget files that are gone
                present = {info.id for info in infos}
                for article_id in [key for key in cache if key not in present]:
                    del cache[article_id]
                self._dirty = True
            self._listed = {info.id: info for info in infos}
            self._flush()
        return infos

    def list_if_quick(self, max_unread: int = 32) -> builtins.list[ArticleInfo] | None:
        """:meth:`list`, but only if at most ``max_unread`` files have no up-to-date cached metadata
        (else None, having read no file): cheap enough to do before the first paint of a small folder."""
        found = _discover(self.root)
        with self._lock:
            cache = self._load_cache()
            unread = 0
            for article_id, _, st in found:
                info = cache.get(article_id)
                if info is None or info.size != st.st_size or info.mtime_ns != st.st_mtime_ns:
                    unread += 1
                    if unread > max_unread:
                        return None
        return self._list(found)

    def remembered(self) -> builtins.list[ArticleInfo]:
        """The articles as the metadata cache last saw them, sorted by id, without touching any file.

        Possibly stale (files added, changed or removed since): for showing a library at once while
        :meth:`list` runs in a worker. Empty when there is no cache yet.
        """
        with self._lock:
            cache = self._load_cache()
            return sorted(cache.values(), key=lambda info: info.id)

    def info(self, article_id: str) -> ArticleInfo:
        """The listed metadata of one article; UsageError if there is no such article."""
        with self._lock:
            info = self._lookup(article_id)
            self._flush()
        return info

    def load(self, article_id: str) -> Article:
        """Read, decode and normalise a whole article; ArticleError (naming the file) if it cannot."""
        with self._lock:
            info = self._lookup(article_id)
        path = info.path
        try:
            data, st = _read_all(path)
        except OSError as exc:
            with self._lock:
                self._flush()
            raise _read_error(path, exc) from exc
        same_file = (info.size, info.mtime_ns) == (st.st_size, st.st_mtime_ns) and not info.error
        try:
            article = _build_article(
                article_id,
                path,
                data,
                st.st_size,
                st.st_mtime_ns,
                known_script=info.script if same_file else None,
            )
        except ArticleError as exc:
            with self._lock:
                self._remember(_error_info(article_id, path, st.st_size, st.st_mtime_ns, str(exc)))
                self._flush()
            raise
        with self._lock:
            self._remember(article.info)
            self._flush()
        return article

    def resolve(self, id_or_path: str) -> str:
        """The article id for an id, or for a filesystem path to an article inside the root."""
        with self._lock:
            listed = self._listed
        if listed is not None and id_or_path in listed:
            return id_or_path
        paths = {article_id: path for article_id, path, _ in _discover(self.root)}
        if id_or_path in paths:
            return id_or_path
        candidate = Path(id_or_path).expanduser()
        if candidate.is_file():
            found = self._id_for_path(candidate, paths)
            if found is not None:
                return found
            raise UsageError(
                safe_line(
                    f"{candidate} is not an article in {self.root} (only *.txt files, not hidden ones); "
                    "`reader list` shows the ids"
                )
            )
        raise self._unknown(id_or_path)

    # -- helpers (the caller holds self._lock for the cache ones)

    def _current(
        self, cache: dict[str, ArticleInfo], article_id: str, path: str, st: os.stat_result
    ) -> ArticleInfo:
        """Cached metadata if the file is unchanged, else what its head says (and remember that)."""
        info = cache.get(article_id)
        if info is None or info.size != st.st_size or info.mtime_ns != st.st_mtime_ns:
            info = _head_info(article_id, Path(path), st.st_size, st.st_mtime_ns)
            cache[article_id] = info
            self._dirty = True
        return info

    def _lookup(self, article_id: str) -> ArticleInfo:
        """Listed metadata, else find the file by walking the folder (stat only) and read just its head."""
        if self._listed is not None and article_id in self._listed:
            return self._listed[article_id]
        for found_id, path, st in _discover(self.root):
            if found_id == article_id:
                info = self._current(self._load_cache(), article_id, path, st)
                if self._listed is not None:
                    self._listed[article_id] = info
                return info
        raise self._unknown(article_id)

    def _remember(self, info: ArticleInfo) -> None:
        cache = self._load_cache()
        if cache.get(info.id) != info:
            cache[info.id] = info
            self._dirty = True
        if self._listed is not None and info.id in self._listed:
            self._listed[info.id] = info

    def _flush(self) -> None:
        if self._dirty:
            self._dirty = False
            self._save_cache()

    def _unknown(self, article_id: str) -> UsageError:
        return UsageError(safe_line(f"no article '{article_id}' in {self.root}; `reader list` shows the ids"))

    def _id_for_path(self, path: Path, paths: dict[str, str]) -> str | None:
        # Lexically first, so that a path through a symlinked folder keeps the id it is listed under.
        lexical = (Path(os.path.abspath(self.root)), Path(os.path.abspath(path)))
        for base, target in (lexical, (self.root.resolve(), path.resolve())):
            try:
                article_id = target.relative_to(base).as_posix()
            except ValueError:
                continue
            if article_id in paths:
                return article_id
        # Last resort: the same file reached through a different link.
        real = path.resolve()
        for article_id, found in paths.items():
            if Path(found).resolve() == real:
                return article_id
        return None

    def _cache_path(self) -> Path | None:
        return self.cache_dir / CACHE_FILE if self.cache_dir is not None else None

    def _root_key(self) -> str:
        return str(self.root.resolve())

    def _load_cache(self) -> dict[str, ArticleInfo]:
        if self._cache is not None:
            return self._cache
        self._cache = {}
        cache_path = self._cache_path()
        if cache_path is None:
            return self._cache
        try:
            raw = orjson.loads(cache_path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return self._cache  # missing or corrupt: rebuild
        if not isinstance(raw, dict) or raw.get("version") != CACHE_VERSION:
            return self._cache
        roots = raw.get("roots")
        if not isinstance(roots, dict):
            return self._cache
        key = self._root_key()
        self._other_roots = {name: section for name, section in roots.items() if name != key}
        section = roots.get(key)
        if isinstance(section, dict):
            for article_id, entry in section.items():
                if not isinstance(article_id, str):
                    continue
                info = _info_from_json(article_id, self.root / article_id, entry)
                if info is not None:
                    self._cache[article_id] = info
        return self._cache

    def _save_cache(self) -> None:
        """Write the cache file atomically; a cache that cannot be written is only a slower start."""
        cache_path = self._cache_path()
        if cache_path is None or self._cache is None:
            return
        section = {
            article_id: _info_to_json(info)
            for article_id, info in self._cache.items()
            if _json_safe(article_id)  # a file name that is not UTF-8 is listed, just not cached
        }
        payload = orjson.dumps(
            {"version": CACHE_VERSION, "roots": {**self._other_roots, self._root_key(): section}}
        )
        tmp_name = None
        try:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".articles-cache-", suffix=".tmp", dir=cache_path.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
            os.replace(tmp_name, cache_path)
            tmp_name = None
        except OSError:
            pass
        finally:
            if tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
