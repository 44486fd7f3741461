"""One JSON export of the export benchmark's corpus, by whichever reader is importable (PYTHONPATH).

``python _export_run.py ROOT populate`` writes the corpus and its annotations under ROOT (the same ones
for any version: same seed); ``python _export_run.py ROOT export`` exports them once from a fresh
workspace and prints the seconds it took. ``bench_export`` runs it for this checkout and for an older one
(``READER_BENCH_BASELINE``), alternately, so that both are measured under the same load.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from bench_export import _populate, _write_articles

from reader.export import build_export, render_bytes, write_atomically
from reader.workspace import Workspace


def main(root: Path, what: str) -> None:
    articles, db = root / "articles", root / "db"
    if what == "populate":
        rng = random.Random(7)
        root.mkdir(parents=True, exist_ok=True)
        _write_articles(articles, rng)
        workspace = Workspace(articles, db)
        _populate(workspace, rng)
        close = getattr(workspace.store, "close", None)
        if close is not None:
            close()
        return
    workspace = Workspace(articles, db)
    t0 = time.perf_counter()
    data = build_export(workspace, "original")
    write_atomically(root / "export.json", render_bytes(data, "json"))
    print(time.perf_counter() - t0)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
