"""Toasts of one kind that replace each other instead of piling up (views cycled with `s`, sorts with `o`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from textual.widget import Widget

__all__ = ["notify_replacing"]


def notify_replacing(widget: Widget, kind: str, message: str, *, timeout: float) -> None:
    """Show `message` in a toast that replaces the last toast of `kind` still on screen.

    Through the app's ``notify(..., replace=kind)`` (``ReaderApp.notify``: made safe like every toast).
    """
    notify = cast(Callable[..., None], widget.app.notify)
    notify(message, timeout=timeout, replace=kind)
