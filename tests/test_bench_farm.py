"""benchmarks/farm.py keeps working: its feeds are deterministic, and a tiny farm runs end to end
(bare feedparser and a whole `policybrief poll --all` on SQLite, cold then warm)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import feedparser

from tests.benchmod import load_benchmark

FARM = Path(__file__).resolve().parent.parent / "benchmarks" / "farm.py"


def test_farm_feeds_are_deterministic_and_parse():
    farm = load_benchmark("farm")
    anchor = datetime(2026, 11, 20, 12, tzinfo=UTC)
    realistic = farm.make_feeds("realistic", 8, 10, 19, anchor)
    assert [f.body for f in realistic] == [
        f.body for f in farm.make_feeds("realistic", 8, 10, 19, anchor)
    ]
    assert realistic[0].body != farm.make_feeds("realistic", 8, 10, 20, anchor)[0].body
    for feed in realistic:  # RSS and Atom outlets, every item readable
        parsed = feedparser.parse(feed.body)
        assert not parsed.bozo, (feed.path, parsed.get("bozo_exception"))
        assert len(parsed.entries) == 10
        assert all(e.title and e.link for e in parsed.entries)
    assert {f.content_type.split(";")[0] for f in realistic} == {
        "application/rss+xml",
        "application/atom+xml",
    }
    # large stories: these 80 items all retell one event, so every headline keeps its words
    large = farm.make_feeds("large", 8, 10, 19, anchor)
    titles = [set(e.title.split()) for f in large for e in feedparser.parse(f.body).entries]
    assert len(titles) == 80 and len(set.intersection(*titles)) >= 4


def _quick_farm(*args: str) -> str:
    """The output of a quick farm run with `args`, which must succeed without an error."""
    result = subprocess.run(
        [sys.executable, str(FARM), "--quick", "--variant", "realistic", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "ERROR" not in out, out
    return out


def test_farm_quick_run_sqlite_cold_then_warm():
    out = _quick_farm("--only", "feedparser,sqlite", "--feeds", "4", "--items", "10")
    assert "Polled 4 sources: 40 new items, 0 failed." in out  # cold: every item stored
    assert "sqlite     warm  " in out and "served {304: 4}" in out  # warm: all 304
    assert "| cold, realistic text | " in out and "| warm, realistic text (all 304) | " in out
    assert "peak tree memory SQLite" in out


def test_farm_measures_a_baseline_worktree_beside_this_code():
    # this worktree as its own baseline: the A/B machinery, not a difference, is under test
    out = _quick_farm(
        "--only", "sqlite", "--feeds", "3", "--items", "5", "--baseline", str(FARM.parent.parent)
    )
    assert "sqlite-base cold  " in out and "sqlite-base warm  " in out
    assert "| policybrief SQLite | baseline SQLite |" in out
    assert "cold SQLite / baseline, realistic: " in out
    assert "peak memory cold SQLite / baseline, realistic: " in out
