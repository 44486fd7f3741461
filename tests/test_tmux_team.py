"""Three coders in three clones of one project, in a real terminal: Bob and Cat code from the command line
and sync; Ann's app (tmux) syncs with S, shows everyone's work, codes a passage, syncs it to the others,
shows the agreement the command line computes, and records a merge decision."""

from __future__ import annotations

import json
import shlex
import shutil

import pytest

from _tmux import Tmux
from conftest import READER_BIN
from test_teams_sync import SIMP, reader, team  # noqa: F401  (team: the fixture of three clones)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (needed for this test)"),
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
]

TITLE = "TikTok风波下小红书"  # SIMP's title


def _toast(text: str):
    return lambda screen: text in screen


def _toasts_text(screen: str) -> str:
    """The toasts' words in one line: what follows the last ▌ (a toast's edge) of each line, joined (a
    message wraps over several lines)."""
    parts = [line.rsplit("▌", 1)[1].strip() for line in screen.splitlines() if "▌" in line]
    return " ".join(part for part in parts if part)


def test_three_coders_in_three_clones_with_the_app_in_tmux(team) -> None:  # noqa: F811
    ann, bob, cat = team["Ann"], team["Bob"], team["Cat"]
    reader(bob, "annotate", SIMP, "--start", "100", "--end", "110", "--tag", "平台")
    reader(cat, "annotate", SIMP, "--start", "100", "--end", "110", "--tag", "平台")
    reader(cat, "annotate", SIMP, "--start", "300", "--end", "310", "--tag", "平台")
    reader(bob, "sync")
    reader(cat, "sync")

    command = f"cd {shlex.quote(str(ann))} && env -u READER_CODER TEXTUAL_ANIMATIONS=none {READER_BIN}"
    tmux = Tmux()
    try:
        tmux.start(command)
        tmux.wait("the library with Ann's sync state", lambda s: "Ann" in s and "sync:" in s and TITLE in s)
        tmux.keys("S")
        tmux.wait("the sync", _toast("Synced"))
        coders = json.loads(reader(ann, "coders", "--json").stdout)
        counts = {c["coder"]: c["annotations"] for c in coders["coders"]}
        assert (counts["Bob"], counts["Cat"]) == (1, 2)  # the others' work arrived in Ann's clone

        # Ann opens the article: everyone's work, in coder styles; she codes its first sentence
        tmux.type("风波")
        tmux.wait("the filtered library", lambda s: TITLE in s and "002_" not in s)
        tmux.keys("Enter")
        tmux.wait("everyone's work", lambda s: "everyone's" in s and "小红书" in s)
        tmux.keys("v")
        tmux.wait("a selection", lambda s: "Clear selection" in s.rstrip("\n").splitlines()[-1])
        tmux.keys("a")
        tmux.wait("the tag dialog", lambda s: "Highlight and tag" in s)
        tmux.type("平台")
        tmux.keys("Enter")
        tmux.wait("the saved highlight", lambda s: "Saved" in s and "Highlight and tag" not in s)
        tmux.keys("Escape")
        tmux.wait("the library", lambda s: "Title" in s and "Length" in s)
        tmux.wait("the header counting her save", lambda s: "sync: 1 unsynced" in s)
        tmux.keys("S")
        # this sync's own outcome: the first one's ("changes of Bob, Cat merged, pushed") may still be on
        # the screen when S is sent (a toast stays 6 s), and Bob's sync would then come too early
        pushed = "1 commit(s) of yours, nothing new from others, pushed"
        tmux.wait("Ann's work pushed", lambda s: pushed in _toasts_text(s))

        # the others see Ann's work after their sync
        reader(bob, "sync")
        coders = json.loads(reader(bob, "coders", "--json").stdout)
        assert {c["coder"]: c["annotations"] for c in coders["coders"]} == {"Ann": 1, "Bob": 1, "Cat": 2}

        # the agreement screen shows what `reader agreement` computes in Ann's clone
        figures = json.loads(reader(ann, "agreement", "--json").stdout)
        assert figures["coders"] == ["Ann", "Bob", "Cat"]
        percent = f"{round(figures['overall']['percent_agreement'], 3):.1%}"
        tmux.keys("A")
        tmux.wait("the agreement screen", _toast("Agreement of Ann, Bob, Cat"))
        tmux.wait("the overall figures", _toast(percent))
        differences = f"{len(figures['disagreements'])} differences"
        tmux.wait("the differences counted", _toast(differences))  # (once the sync's toast has gone)
        tmux.keys("Escape")  # each Escape waits for its screen: ESC then a key at once reads as alt+key
        tmux.wait("the library", lambda s: "Title" in s and "Length" in s and "Agreement of" not in s)

        # the merge: Bob's and Cat's identical coding merged, the rest to decide; Ann takes Cat's
        before = json.loads(reader(ann, "merge", "--json").stdout)
        tmux.keys("M")
        tmux.wait("the merge screen", _toast("to decide"))
        tmux.keys("3")
        tmux.wait("the decision", _toast("decided by Ann"))
        after = json.loads(reader(ann, "merge", "--json").stdout)
        assert after["agreed"] == before["agreed"] + 1 and len(after["open"]) == len(before["open"]) - 1
        tmux.keys("Escape")
        tmux.keys("q")
    finally:
        tmux.kill()
