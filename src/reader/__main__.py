from reader.cli import run

raise SystemExit(run())
