"""Summarise a py-spy raw profile: own time by function and by owner (feedparser, SQLAlchemy,
policybrief, other libraries), as issue 19's before/after notes want it.

Standard-library time is charged to the library or module that called it (feedparser's
urljoin calls are feedparser's cost), so the owners' shares add up to the whole profile.

    py-spy record --subprocesses --format raw -o poll.raw -- .venv/bin/policybrief poll --all
    .venv/bin/python scripts/pyspy_summary.py poll.raw [--top 20] [--inclusive refresh_stories]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

OURS = ("bot", "handlers", "digest", "storage", "core")
OWNERS = {
    "feedparser": "feedparser",
    "feedparser_sgmllib": "feedparser",  # its loose parser, a package of its own
    "sqlalchemy": "SQLAlchemy",
    "sqlmodel": "SQLAlchemy",  # a thin layer over it
    "alembic": "SQLAlchemy",
    **dict.fromkeys(OURS, "policybrief"),
}
MAIN = ("feedparser", "SQLAlchemy", "policybrief")
# Leaves that block (in select, waitpid, a queue) yet which py-spy's idle check let through:
# their samples are waiting, not work, whoever called them
WAITING = {
    ("EpollSelector.select", "selectors.py"),
    ("ThreadedChildWatcher._do_waitpid", "asyncio/unix_events.py"),
    ("_worker", "concurrent/futures/thread.py"),
    ("Condition.wait", "threading.py"),
    ("Event.wait", "threading.py"),
    ("Thread._wait_for_tstate_lock", "threading.py"),
}
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def owner_of(file: str) -> str:
    """Who a source file belongs to: one of MAIN, "stdlib", or another library's name."""
    top = file.split("/", 1)[0].removesuffix(".py")
    if top in OWNERS:
        return OWNERS[top]
    if top in sys.stdlib_module_names or file.startswith("<"):
        return "stdlib"
    return top


def parse_frame(frame: str) -> tuple[str, str]:
    """("func", "file") from py-spy's "func (file:line)"."""
    m = _FRAME.match(frame)
    return (m["func"], m["file"]) if m else (frame, "?")


def summarise(path: Path, top: int, rate: float, inclusive: list[str]) -> None:
    by_function: Counter[tuple[str, str, str]] = Counter()  # (charged owner, func, file)
    by_owner: Counter[str] = Counter()
    by_process: Counter[str] = Counter()
    within: Counter[str] = Counter()  # samples with a frame of each `inclusive` name
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        procs = [f for f in frames if f.startswith("process ")]
        code = [parse_frame(f) for f in frames if not f.startswith(("process ", "thread "))]
        if not code:
            continue
        total += count
        worker = len(procs) > 1  # a child of the CLI process: a parser worker
        by_process["parser workers" if worker else "main process"] += count
        names = {f for f, _ in code}
        for wanted in inclusive:
            if any(wanted in name for name in names):
                within[wanted] += count
        func, file = code[-1]
        if (func, file) in WAITING:
            charged = "waiting"
        else:  # charged to the innermost frame that is not the standard library's
            owners = (owner_of(f) for _, f in reversed(code))
            charged = next((o for o in owners if o != "stdlib"), "stdlib")
        by_function[(charged, func, file)] += count
        by_owner[charged] += count
    if not total:
        raise SystemExit(f"{path}: no samples (is it py-spy's --format raw output?)")

    def pct(n: int) -> str:
        return f"{100 * n / total:5.1f}%"

    print(
        f"{path}: {total} samples ({total / rate:.1f} s of thread time at {rate:g} Hz; "
        "py-spy counts a thread waiting for the GIL as busy, so this exceeds the CPU time)"
    )
    print("by process: " + ", ".join(f"{p} {pct(n).strip()}" for p, n in by_process.most_common()))
    print("by owner (standard-library time charged to its caller; waiting: blocked threads)")
    for owner in MAIN:
        print(f"  {pct(by_owner[owner])}  {owner}")
    rest = [(o, n) for o, n in by_owner.most_common() if o not in MAIN]
    print(
        f"  {pct(sum(n for _, n in rest))}  other: "
        + ", ".join(f"{o} {pct(n).strip()}" for o, n in rest[:8])
    )
    for wanted in inclusive:
        print(f"  {pct(within[wanted])}  inside {wanted} (inclusive)")
    print(f"\ntop {top} functions by own time (owner: whose code called it)")
    for (owner, func, file), n in by_function.most_common(top):
        print(f"  {pct(n)}  {owner:12} {func} ({file})")
    for wanted in MAIN:
        rows = [(k, n) for k, n in by_function.most_common() if k[0] == wanted][:10]
        print(f"\ntop {len(rows)} of {wanted} ({pct(by_owner[wanted]).strip()} in all)")
        for (_owner, func, file), n in rows:
            print(f"  {pct(n)}  {func} ({file})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("raw", type=Path, help="py-spy record --format raw output")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--rate", type=float, default=100.0, help="py-spy's --rate (default 100)")
    ap.add_argument(
        "--inclusive",
        action="append",
        default=[],
        metavar="NAME",
        help="also show the share of samples inside functions whose name contains NAME",
    )
    args = ap.parse_args()
    summarise(args.raw, args.top, args.rate, args.inclusive)


if __name__ == "__main__":
    main()
