"""Rendering the exports that read whole articles or the codebook again: JSON Lines and REFI-QDA."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reader.workspace import Workspace


def render_exchange(
    workspace: Workspace,
    data: dict[str, Any],
    fmt: str,
    *,
    jsonl_shape: str = "doccano",
    offsets: str = "codepoints",
    line_endings: str = "crlf",
    tags: Sequence[str] = (),
) -> bytes:
    """``fmt`` is "jsonl", "qdpx" or "qdc"; ``tags`` limits the codebook as the export's tag filter did."""
    if fmt == "jsonl":
        from reader.formats.jsonl import render_jsonl

        return render_jsonl(workspace, data, shape=jsonl_shape, offsets=offsets)
    from reader.formats.qdpx import render_qdc, render_qdpx

    if fmt == "qdc":
        return render_qdc(workspace, data, tags=tags)
    return render_qdpx(workspace, data, line_endings=line_endings, tags=tags)
