"""Word segmentation in a helper process: the app's segmenter, so that rjieba never stalls the UI.

rjieba's calls hold Python's GIL from start to end (measured: loading the segmenter, ``rjieba.Jieba()``,
~0.25 s; cutting 64k characters 30–80 ms), so a thread worker cutting an article froze the app's every
frame meanwhile. :class:`HelperSegmenter` is a :class:`reader.segmentation.Segmenter` whose cutting runs
in one helper process per Python process (a fresh interpreter, ``python -m reader.wordprocess``, talking
pickles over its stdin and stdout), started on first use or by :func:`warm_up` and kept for the
session: the segmenter and CC-CEDICT's extra words are loaded there once (~1 s, on the other core, while
the user is still in the library), and each article costs one round trip (its 简体 text there, the word
boundaries back as arrays). Its fingerprint is the in-process segmenter's, so both share the words cache
(``reader.words``).

If the helper cannot run (no interpreter to start, a broken process), cutting falls back to this
process, as the command line does. Only the app uses it (:func:`adopt` on the workspace's ``Words``).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import subprocess
import sys
import threading
from array import array
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from reader.logs import logger
from reader.segmentation import Segmenter

if TYPE_CHECKING:
    from reader.words import Words

__all__ = ["ANSWER_TIMEOUT", "HelperSegmenter", "adopt", "helper_pid", "stop_helper", "warm_up"]

#: seconds the helper may take to answer (loading the segmenter is ~1 s; cutting zuozhuan ~0.3 s)
ANSWER_TIMEOUT = 120.0

log = logger(__name__)


# -------------------------------------------------------------------------------------------- the helper


def _serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """The helper process: one Segmenter, loaded once; answers pickled requests until stdin closes."""
    segmenter: Segmenter | None = None
    while True:
        try:
            kind, dictionary_dir, user_words, text = pickle.load(requests)
        except (EOFError, OSError):
            return
        try:
            if segmenter is None:
                segmenter = _segmenter(dictionary_dir)
            segmenter.use_user_words(user_words)
            if kind == "warm":
                segmenter.prepare()
                answer: tuple[str, bytes | str, bytes] = ("ok", b"", b"")
            else:
                starts, ends = segmenter.word_spans(text)
                answer = ("ok", starts.tobytes(), ends.tobytes())
        except Exception as exc:  # said to the app, which then cuts in its own process
            answer = ("error", f"{type(exc).__name__}: {exc}", b"")
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


def _segmenter(dictionary_dir: str) -> Segmenter:
    if not dictionary_dir:
        return Segmenter()
    from reader.dictionary import Dictionary

    return Segmenter(Dictionary(Path(dictionary_dir)).headwords)


class _Helper:
    """The one helper process of this Python process and the pipes to it (one request at a time).

    A plain ``subprocess`` running ``python -m reader.wordprocess`` (not ``multiprocessing``: that needs
    the parent's real stderr, which Textual replaces while the app runs, and re-imports its main module).
    It ends when its stdin closes: when this process ends, however it ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self.broken = False

    def _start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "reader.wordprocess"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        self._process = process
        return process

    def ask(self, request: tuple[str, str, list[str], str]) -> tuple[Any, ...]:
        """Send a request and wait for its answer; OSError if the helper is gone."""
        with self._lock:
            if self.broken:
                raise OSError("the words helper process is not available")
            try:
                process = self._process or self._start()
                assert process.stdin is not None and process.stdout is not None
                pickle.dump(request, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                process.stdin.flush()
                readable, _, _ = select.select([process.stdout], [], [], ANSWER_TIMEOUT)
                if not readable:  # hung: never wait for it again
                    raise OSError(f"no answer in {ANSWER_TIMEOUT:.0f} s")
                answer: tuple[Any, ...] = pickle.load(process.stdout)
                return answer
            except (OSError, EOFError, ValueError, pickle.UnpicklingError) as exc:
                self.broken = True  # do not try again and again: this process cuts from now on
                self._stop()
                raise OSError(f"the words helper process failed: {exc}") from exc

    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        if process.poll() is None:
            process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=2)

    def stop(self) -> None:
        with self._lock:
            self._stop()


_HELPER = _Helper()


def helper_pid() -> int | None:
    """The helper's process id while it runs (tests)."""
    return _HELPER.pid()


def stop_helper() -> None:
    """End the helper process (the app does at exit; a later use starts another)."""
    _HELPER.stop()
    _HELPER.broken = False


# -------------------------------------------------------------------------------------------- the segmenter


class HelperSegmenter(Segmenter):
    """A Segmenter that cuts in the helper process (same words, same fingerprint as the one it replaces)."""

    def __init__(self, replaced: Segmenter, dictionary_dir: Path | None) -> None:
        super().__init__(replaced._extra_words)
        self._extras_key = replaced._extras_key
        self._dictionary_dir = "" if dictionary_dir is None else str(dictionary_dir)
        with replaced._lock:
            self._wanted = replaced._wanted

    def _request(self, kind: str, text: str = "") -> tuple[Any, ...] | None:
        with self._lock:
            user_words = sorted(self._wanted)
        try:
            answer = _HELPER.ask((kind, self._dictionary_dir, user_words, text))
        except OSError as exc:
            log.debug("cutting in this process: %s", exc)
            return None
        if answer[0] != "ok":
            log.debug("the words helper could not cut (%s): cutting in this process", answer[1])
            return None
        return answer

    def warm(self) -> None:
        """Load the segmenter in the helper (started if needed): the first article then waits less."""
        self._request("warm")

    def word_spans(self, text: str) -> tuple[array[int], array[int]]:
        answer = self._request("cut", text)
        if answer is None:
            return super().word_spans(text)
        starts: array[int] = array("i")
        ends: array[int] = array("i")
        starts.frombytes(answer[1])
        ends.frombytes(answer[2])
        return starts, ends


def adopt(words: Words) -> HelperSegmenter:
    """Make `words` cut in the helper process (idempotent); its segmenter."""
    segmenter = words.segmenter
    if isinstance(segmenter, HelperSegmenter):
        return segmenter
    dictionary_dir = words.dictionary.cache_dir if words.dictionary is not None else None
    helper = HelperSegmenter(segmenter, dictionary_dir)
    words.segmenter = helper
    return helper


def warm_up(words: Words) -> None:
    """:func:`adopt`, then load the segmenter in the helper (blocking: call from a worker)."""
    adopt(words).warm()


def _main() -> None:
    """``python -m reader.wordprocess``: serve on a private copy of stdout (anything a library prints goes
    to stderr instead, never into the answers)."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    _serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    _main()
