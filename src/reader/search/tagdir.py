"""The directory of the search's tag-span cache (``tagspans.dir``), in a form read in ~3 ms.

Every search of a store with annotations reads it before its first match (before it shares the work with a
forked child, so its cost is paid once and alone): for 10,000 articles a JSON form took 7–10 ms, most of it
the ~12,000 tag strings of its table of tag tuples. Here each column is one block of bytes, and the tag
tuples are indices into a list of the distinct tags (a few dozen).

The file: :data:`MAGIC`; a line of JSON (ASCII: any string survives, lone surrogates too) with the byte
order, the data file's name, the store's changes stamp, the distinct tags and the size of each block;
then the blocks: the article ids (UTF-8, surrogates passed, NUL-separated: a file name cannot hold NUL),
the store's versions (ASCII, space-separated), the sha256[:16] of each article one after the other, a
kind letter each, the layouts' integers (native int64), then the length of each tag tuple and the tags'
indices (native int32). :func:`decode` raises ValueError for anything that is not exactly that: a
damaged cache is rebuilt.
"""

from __future__ import annotations

import json
import re
import sys
from array import array
from itertools import islice, repeat
from typing import NamedTuple

MAGIC = b"reader tagspans 5\n"
_DATA_NAME = re.compile(r"tagspans-[0-9a-f]+\.bin")  # the data file: in the same folder, nothing else
_BLOCKS = ("ids", "versions", "shas", "kinds", "ints", "lengths", "tags")
_INTS, _TAG_INTS = "q", "i"


class Directory(NamedTuple):
    data: str  # the data file's name
    stamp: str | None  # the store's changes stamp every entry was checked under (None: not checked)
    tagsets: list[tuple[str, ...]]  # the table of tag tuples the layouts' ids index
    ids: list[str]
    versions: str  # the store's version of each article, space-separated (split when first needed)
    shas: str
    kinds: str
    ints: array[int]


def encode(directory: Directory) -> bytes:
    """The bytes of ``directory`` (see the module docstring)."""
    names = list(dict.fromkeys(tag for tags in directory.tagsets for tag in tags))
    index = {name: k for k, name in enumerate(names)}
    blocks = [
        "\0".join(directory.ids).encode("utf-8", "surrogatepass"),
        directory.versions.encode("ascii"),
        directory.shas.encode("ascii"),
        directory.kinds.encode("ascii"),
        array(_INTS, directory.ints).tobytes(),
        array(_TAG_INTS, map(len, directory.tagsets)).tobytes(),
        array(_TAG_INTS, [index[tag] for tags in directory.tagsets for tag in tags]).tobytes(),
    ]
    header = {
        "byteorder": sys.byteorder,  # (the integers are native)
        "data": directory.data,
        "stamp": directory.stamp,
        "tags": names,
        "sizes": [len(block) for block in blocks],
    }
    return MAGIC + json.dumps(header).encode("ascii") + b"\n" + b"".join(blocks)


def decode(raw: bytes) -> Directory:
    """The directory in ``raw``; ValueError if it is not one (damaged, cut short, another version)."""
    if not raw.startswith(MAGIC):
        raise ValueError("not a tag-span directory of this version")
    end = raw.find(b"\n", len(MAGIC))
    try:
        header = json.loads(raw[len(MAGIC) : end]) if end > 0 else None
    except RecursionError as e:  # (nested too deep)
        raise ValueError("a damaged header") from e
    if not isinstance(header, dict) or header.get("byteorder") != sys.byteorder:
        raise ValueError("no header, or one written on another kind of machine")
    data, stamp = header.get("data"), header.get("stamp")
    names, sizes = header.get("tags"), header.get("sizes")
    if not (
        type(data) is str
        and _DATA_NAME.fullmatch(data)
        and (stamp is None or type(stamp) is str)
        and type(names) is list
        and all(type(name) is str for name in names)
        and type(sizes) is list
        and len(sizes) == len(_BLOCKS)
        and all(type(size) is int and size >= 0 for size in sizes)
        and end + 1 + sum(sizes) == len(raw)
    ):
        raise ValueError("a header that does not fit the blocks")
    view, at, blocks = memoryview(raw), end + 1, []
    for size in sizes:
        blocks.append(view[at : at + size])
        at += size
    ids_block, versions, shas, kinds, ints_block, lengths_block, tags_block = blocks
    ints, lengths, indices = array(_INTS), array(_TAG_INTS), array(_TAG_INTS)
    ints.frombytes(ints_block)  # (ValueError unless whole items)
    lengths.frombytes(lengths_block)
    indices.frombytes(tags_block)
    if (lengths and min(lengths) < 0) or sum(lengths) != len(indices):
        raise ValueError("tag tuples that do not fit their tags")
    if indices and (min(indices) < 0 or max(indices) >= len(names)):
        raise ValueError("a tag index past the tags")
    tags = iter(list(map(names.__getitem__, indices)))
    ids = str(ids_block, "utf-8", "surrogatepass")  # (UnicodeDecodeError is a ValueError)
    return Directory(
        data=data,
        stamp=stamp,
        tagsets=list(map(tuple, map(islice, repeat(tags), lengths))),
        ids=ids.split("\0") if ids_block else [],
        versions=str(versions, "ascii"),
        shas=str(shas, "ascii"),
        kinds=str(kinds, "ascii"),
        ints=ints,
    )
