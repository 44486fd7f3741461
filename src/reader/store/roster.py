"""CoderRoster: which coder folders a database has, and which one this clone writes.

Kept apart from :class:`~reader.store.store.AnnotationStore` because finding them is a small state machine
of its own: before the first write this coder's annotations may still be in the login name's default
folder or in the single-coder ``articles/`` (moved or adopted on the first write, see :mod:`.coders`), and
a pull or another process can add, move or remove folders at any time, so they are found anew on every
read. The store holds its mutex around every call.
"""

from __future__ import annotations

from pathlib import Path

from reader.store.coders import (
    AGREED,
    CODERS_DIR,
    Coder,
    CoderFolder,
    adopt_default_folder,
    claim_legacy_articles,
    coder_folders,
    default_coder_name,
    ensure_coder_folder,
    folder_name,
    read_coder_file,
)
from reader.store.coders import ARTICLES as ARTICLES_SUBDIR
from reader.store.folder import AGREED_DIR, ARTICLES_DIR, upgrade
from reader.store.names import INDEX_DIR
from reader.store.names import article_stem as article_stem

INDEX_NAME = "index.json"  # of the single-coder layout's articles/ (read until it is moved)


class CoderRoster:
    """This coder's folder (:attr:`mine`, the only one written) and every other coder's (read-only)."""

    def __init__(self, path: Path, local_dir: Path, coder: Coder, cache_size: int) -> None:
        self.path = path
        self.local_dir = local_dir
        self.coder = coder
        self._cache_size = cache_size
        self.others: dict[str, CoderFolder] = {}  # folder name -> another coder's folder (read-only)
        self.mine = self._locate_mine()

    def _locate_mine(self) -> CoderFolder:
        """Where this coder's annotations are: their folder; before the first write, the login name's
        default folder (adopted when a name is set) or the single-coder ``articles/`` (moved)."""
        coders = self.path / CODERS_DIR
        folder = self.coder.folder
        if not (coders / folder / ARTICLES_SUBDIR).exists():
            default = folder_name(default_coder_name())
            got = read_coder_file(coders / default) if self.coder.explicit else None
            if got is not None and got[1]:
                return self._folder_object(self.coder.name, default)
            legacy = self.path / ARTICLES_DIR
            if legacy.is_dir():
                return CoderFolder(
                    self.coder.name, folder, legacy, self.local_dir / INDEX_NAME, self._cache_size
                )
        return self._folder_object(self.coder.name, folder)

    def _folder_object(self, name: str, folder: str) -> CoderFolder:
        articles = self.path / CODERS_DIR / folder / ARTICLES_SUBDIR
        index = self.local_dir / INDEX_DIR / f"{folder}.json"
        return CoderFolder(name, folder, articles, index, self._cache_size)

    def settled(self) -> bool:
        """This coder's folder is where it belongs (nothing to move or adopt on the first write)."""
        return self.mine.articles_dir == self.path / CODERS_DIR / self.coder.folder / ARTICLES_SUBDIR

    def claim(self) -> bool:
        """Under the lock, before the first write: adopt the default folder or move the single-coder
        ``articles/`` into this coder's folder, write the manifest; idempotent (see :mod:`.coders`).
        True if :attr:`mine` moved (the journal must follow it)."""
        adopt_default_folder(self.path, self.coder)
        moved = claim_legacy_articles(self.path, self.coder)
        ensure_coder_folder(self.path, self.coder)
        upgrade(self.path, claimed_by=self.coder.name if moved else None)
        changed = not self.settled()
        if changed:
            self.mine = self._folder_object(self.coder.name, self.coder.folder)
        self.others.pop(self.coder.folder, None)
        return changed

    def folders(self) -> list[CoderFolder]:
        """Mine first, then every other coder's folder (found anew each time: a pull adds some), then the
        agreed version (``local/agreed``, made by :mod:`reader.merging`)."""
        if not self.settled() and not self.mine.articles_dir.exists():
            self.mine = self._locate_mine()  # another process moved it into the coder's folder
        names = coder_folders(self.path)
        mine_path = self.mine.articles_dir
        for folder, name in names.items():
            known = self.others.get(folder)
            if known is None or known.name != name:
                self.others[folder] = self._folder_object(name, folder)
        for folder in [f for f in self.others if f not in names and f != AGREED]:
            del self.others[folder]
        others = [
            f for key, f in sorted(self.others.items()) if key != AGREED and f.articles_dir != mine_path
        ]
        agreed = self.local_dir / AGREED_DIR / ARTICLES_SUBDIR
        if agreed.is_dir():
            if AGREED not in self.others:
                self.others[AGREED] = CoderFolder(
                    AGREED, AGREED, agreed, self.local_dir / INDEX_DIR / f".{AGREED}.json", self._cache_size
                )
            others.append(self.others[AGREED])
        else:
            self.others.pop(AGREED, None)
        return [self.mine, *others]

    def chosen(self, own: bool) -> list[CoderFolder]:
        """This coder's folder only (``own``), or every folder."""
        return [self.mine] if own else self.folders()

    def known(self) -> list[CoderFolder]:
        """The folders found so far, without looking again (for closing and for what is cached)."""
        return [self.mine, *self.others.values()]
