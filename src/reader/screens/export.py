"""In-app export (runs in a worker thread; progress and the result are notifications)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reader.errors import ReaderError
from reader.export import build_export, render, write_atomically

if TYPE_CHECKING:
    from reader.app import ReaderApp


def default_export_path(now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return Path(f"reader-export-{stamp}.json")


def run_export(app: ReaderApp, path: Path | None = None, view: str = "original") -> Path | None:
    """Build and write the export; call from a thread worker (it reports through notifications)."""
    target = path or default_export_path()
    last_reported = [0.0]

    def progress(done: int, total: int) -> None:
        now = datetime.now(UTC).timestamp()
        if total > 20 and now - last_reported[0] > 0.5:
            last_reported[0] = now
            app.call_from_thread(app.notify, f"Exporting… {done}/{total} articles", timeout=1, markup=False)

    try:
        data = build_export(app.workspace, view, progress=progress)
        write_atomically(target, render(data))
    except ReaderError as exc:
        app.call_from_thread(app.notify, str(exc), title="Export failed", severity="error", markup=False)
        return None
    app.call_from_thread(
        app.notify,
        f"Exported {len(data['annotations'])} annotations to {target.resolve()}",
        title="Export",
        markup=False,
    )
    return target
