"""Decoding article files: UTF-8 (with or without BOM), UTF-16/32 with a BOM, GB18030 or Big5.

Files come from many places: web pages saved on Windows (GB18030/GBK), Taiwan and Hong Kong sites (Big5),
editors that write UTF-16. Every failure is one :class:`~reader.errors.ArticleError` line naming the file.
"""

from __future__ import annotations

import codecs
import functools

from reader.errors import ArticleError
from reader.sanitise import normalise, safe_line

MAX_BYTES = 64 * 1024 * 1024
"""Bigger files are refused: they are not articles and would freeze the reader."""

# Byte-order marks, longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
MAX_STRAY_NULS = 8
"""NUL bytes a UTF-8 text file may carry (or one per thousand bytes, if more) and still be read as text."""

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


def _try_decode(data: bytes, codec: str, final: bool) -> str | None:
    """Strict decode; with ``final=False`` an incomplete multi-byte sequence at the end is dropped."""
    try:
        if final:
            return data.decode(codec)
        if codec == "utf-8":  # the common case: the incremental decoder's function, without making one
            return codecs.utf_8_decode(data, "strict", False)[0]
        return codecs.getincrementaldecoder(codec)().decode(data, final=False)
    except UnicodeDecodeError:
        return None


@functools.cache
def _common_chars() -> frozenset[str]:
    from reader.scripts import opencc_converter

    simplified = _COMMON_SIMPLIFIED
    # One character per line so that phrase tables cannot change the result.
    traditional = opencc_converter("s2t").convert("\n".join(simplified)).replace("\n", "")
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


def _too_many_nuls(data: bytes) -> bool:
    """More NUL bytes than a stray few (at most eight, or one per thousand bytes in a bigger file)."""
    return data.count(0) > max(MAX_STRAY_NULS, len(data) // 1000)


def _decode(data: bytes, where: str, final: bool) -> str:
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
        # Text never needs NUL, but a bad copy or an editor can leave a few in a file that is still worth
        # reading (normalised, they show as ␀). Many of them (UTF-16 without a byte-order mark, a real
        # binary file), or NULs in what is not UTF-8 (too ambiguous to guess an encoding): binary.
        text = None if _too_many_nuls(data) else _try_decode(data, "utf-8", final)
        if text is None:
            raise ArticleError(
                f"{safe_line(where)}: looks like a binary file (it has NUL bytes and no UTF-16/32 "
                "byte-order mark); re-save it as UTF-8 text"
            )
        return text
    text = _try_decode(data, "utf-8", final)
    if text is not None:
        return text
    return _decode_legacy(data, where, final)


def _decode_legacy(data: bytes, where: str, final: bool) -> str:
    """GB18030 or Big5, whichever reads as Chinese; else whatever charset-normalizer finds."""
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
    then whatever charset-normalizer finds. NUL bytes without a UTF-16/32 BOM mean a binary file, unless
    they are a stray few in UTF-8 text (kept, and shown as ␀ once normalised).
    """
    return _decode(data, where, final=True)


def decode_head(data: bytes, where: str) -> str:
    """As :func:`decode_bytes` for the first bytes of a file: a character cut at the end is dropped."""
    return _decode(data, where, final=False)


def article_text(data: bytes, where: str) -> tuple[str, str]:
    """The text of an article file's bytes as every part of reader sees it (decoded, then
    :func:`reader.sanitise.normalise`), and the sha256 of that text (what annotations record, to notice an
    article that changed). ArticleError naming ``where`` if the bytes cannot be decoded."""
    import hashlib  # (here: loading OpenSSL costs a listing, which never hashes a text, 3-35 ms)

    text = normalise(decode_bytes(data, where))
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()
