"""The hand-labelled real-news corpus (benchmarks/data/realnews/items.jsonl) for tests that
read its items by id; each item's `provenance` names its archive's repository, path and commit."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "realnews" / "items.jsonl"


@cache
def corpus() -> dict[str, dict[str, Any]]:
    """Every item of the corpus by its id."""
    rows = (json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line)
    return {str(row["id"]): row for row in rows}


def title_and_summary(item_id: str, *, dev_only: bool = False) -> tuple[str, str]:
    """The title and summary of a corpus item (of its dev split when `dev_only`)."""
    row = corpus()[item_id]
    assert row["provenance"] and (row["split"] == "dev" or not dev_only), item_id
    return str(row["title"]), str(row.get("summary") or "")
