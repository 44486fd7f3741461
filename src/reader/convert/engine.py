"""The OpenCC binding: where its configs and dictionaries live, and converters for chains of configs.

That ``opencc`` is the official binding is checked (:func:`check_opencc`, in :mod:`reader.scripts` so that
script detection can check it without importing this package) before any of it is used.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from reader.errors import UsageError
from reader.scripts import check_opencc

__all__ = ["Engine", "Pairs", "check_opencc", "load_config", "opencc_version", "share_dir"]

# --------------------------------------------------------------------------------------------- configs


def share_dir() -> Path:
    """The folder of the official binding's configs (*.json) and dictionaries (*.ocd2)."""
    check_opencc()  # (cheap once imported) not the folder of another `opencc` module
    import opencc

    return Path(opencc.__file__).resolve().parent / "clib" / "share" / "opencc"


def opencc_version() -> str:
    check_opencc()
    import opencc

    return str(getattr(opencc, "__version__", ""))


def load_config(name: str) -> dict[str, Any]:
    """A shipped config (e.g. "s2twp") as JSON, with every dictionary file made an absolute path.

    Custom configs (overrides, chains, markers) are written elsewhere and must still find the package's
    dictionaries, so every ``file`` is resolved against the share folder here.
    """
    folder = share_dir()
    config: dict[str, Any] = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))

    def absolute(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str) and node.get("type") == "ocd2":
                node["file"] = str(folder / node["file"])
            for value in node.values():
                absolute(value)
        elif isinstance(node, list):
            for value in node:
                absolute(value)

    absolute(config)
    return config


_SURROGATES = re.compile("([\ud800-\udfff]+)")
Pairs = tuple[tuple[str, str], ...]


class Engine:
    """OpenCC converters for config chains, with user overrides and markers put in as dictionaries.

    A chain of one shipped config without extras is that config; anything else is a custom config JSON
    (the shipped steps one after the other, dictionary paths made absolute) written to a private folder
    with its plain-text dictionaries. Overrides go first in the first step's dictionary group and in its
    segmentation, so OpenCC matches them whole, and as identities first in every later step, so a later
    step does not rewrite what the user chose. Instances are created lazily under a lock (views are built
    from worker threads) and kept.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._instances: dict[tuple[Any, ...], Callable[[str], str]] = {}
        self._folder: Path | None = None
        self._checked = False

    def converter(
        self, chain: tuple[str, ...], overrides: Pairs = (), markers: Pairs = ()
    ) -> Callable[[str], str] | None:
        """``text -> converted text`` for ``chain``; None for the identity (empty chain, no overrides)."""
        if not chain and not overrides:
            return None
        key = (chain, overrides, markers)
        found = self._instances.get(key)
        if found is None:
            with self._lock:
                found = self._instances.get(key)
                if found is None:
                    found = self._instances[key] = self._create(chain, overrides, markers)
        return found

    def _create(self, chain: tuple[str, ...], overrides: Pairs, markers: Pairs) -> Callable[[str], str]:
        if not self._checked:
            check_opencc()
            self._checked = True
        if len(chain) == 1 and not overrides and not markers:
            return _shipped(chain[0])
        import opencc

        return _wrap(opencc.OpenCC(str(self._write_config(chain, overrides, markers))).convert)

    def _private_folder(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="reader-opencc-"))
            atexit.register(shutil.rmtree, self._folder, True)
        return self._folder

    def _text_dict(self, pairs: Pairs) -> dict[str, str]:
        body = "".join(f"{a}\t{b}\n" for a, b in sorted(dict(pairs).items()))
        digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:20]
        path = self._private_folder() / f"dict-{digest}.txt"
        if not path.exists():
            path.write_text(body, encoding="utf-8", errors="surrogatepass")
        return {"type": "text", "file": str(path)}

    def _write_config(self, chain: tuple[str, ...], overrides: Pairs, markers: Pairs) -> Path:
        configs = [load_config(name) for name in chain]
        steps: list[dict[str, Any]] = [step for config in configs for step in config["conversion_chain"]]
        config: dict[str, Any] = {"name": "reader: " + "+".join(chain) or "identity"}
        if configs:
            config["normalization"] = configs[0].get("normalization", [])
            if "segmentation" in configs[0]:
                config["segmentation"] = configs[0]["segmentation"]
        if markers:
            steps = [_with_markers(steps[0], self._text_dict(markers))]
        if overrides:
            front = self._text_dict(overrides)
            targets = self._text_dict(tuple((b, b) for _, b in overrides))
            steps = steps or [{"dict": {"type": "group", "match_policy": "short_circuit", "dicts": []}}]
            steps = [_first(step, front if i == 0 else targets) for i, step in enumerate(steps)]
            if "segmentation" in config:
                seg = config["segmentation"]
                seg["dict"] = {"type": "group", "match_policy": "union", "dicts": [front, seg["dict"]]}
        config["conversion_chain"] = steps
        body = json.dumps(config, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:20]
        path = self._private_folder() / f"config-{digest}.json"
        if not path.exists():
            path.write_text(body, encoding="utf-8")
        return path


_shipped_lock = threading.Lock()


@cache
def _shipped_instance(name: str) -> Callable[[str], str]:
    import opencc

    if not re.fullmatch(r"[a-z0-9]+", name) or not (share_dir() / f"{name}.json").is_file():
        raise UsageError(f"unknown OpenCC config {name!r}")
    return _wrap(opencc.OpenCC(name).convert)


def _shipped(name: str) -> Callable[[str], str]:
    """A shipped config, loaded once per process and shared by every :class:`Engine` (each loads its
    dictionaries: 10-60 ms, and a search, the tags' script folding and a workspace each have a converter)."""
    with _shipped_lock:
        return _shipped_instance(name)


def _wrap(raw: Callable[[str], Any]) -> Callable[[str], str]:
    def convert(text: str) -> str:
        try:
            return str(raw(text))
        except UnicodeEncodeError:  # lone surrogates cannot cross into C++: keep them as they are
            parts = _SURROGATES.split(text)
            return "".join(p if i % 2 else str(raw(p)) for i, p in enumerate(parts))

    return convert


def _first(step: dict[str, Any], extra: dict[str, str]) -> dict[str, Any]:
    """``step`` with ``extra`` tried before its own dictionaries."""
    inner = step["dict"]
    if inner.get("type") == "group" and inner.get("match_policy", "short_circuit") == "short_circuit":
        return {"dict": {**inner, "dicts": [extra, *inner["dicts"]]}}
    return {"dict": {"type": "group", "match_policy": "short_circuit", "dicts": [extra, inner]}}


def _with_markers(step: dict[str, Any], markers: dict[str, str]) -> dict[str, Any]:
    """``step`` with its single-character dictionaries replaced by ``markers``.

    What a phrase decides is converted as usual; a character no phrase covers becomes its marker, so the
    positions where OpenCC fell back on a character's default are visible in the output.
    """
    inner = step["dict"]
    dicts = inner["dicts"] if inner.get("type") == "group" else [inner]
    kept = [d for d in dicts if "Characters" not in str(d.get("file", ""))]
    return {"dict": {"type": "group", "match_policy": "short_circuit", "dicts": [*kept, markers]}}
