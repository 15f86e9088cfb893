"""Start-up cost (issue 19): `policybrief chat "/help"` as a whole process, and its imports.

Runs the command `--runs` times, interleaved with two baselines measured in the same run
(this shared 2-core machine is noisy): `python -c pass` (the interpreter alone) and
`python -c "import sqlalchemy"` (issue 15's yardstick), on a SQLite file made beforehand by
`policybrief chat /sources` (/help itself opens no database). Prints CPU (user+sys of
the process tree) and wall time, min / median, the ratio to the baseline, peak tree memory, and
the absolute CPU against the target (<= 0.6 s). Then `python -X importtime` of the same command:
the 15 slowest imports by cumulative time, import time by top-level package, and which platform
or model SDKs it loaded (none should be, with no platform or model configured). "MISSED:" lines
for targets missed; exit code 1 only with `--check`.

    .venv/bin/python benchmarks/startup.py [--runs 7] [--check]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from farm import VENV_BIN, Measurement, base_env, run_measured

TARGET_CPU_S = 0.6
# Goal 3: none of these may load unless its platform or model is configured and used
# (issue 15 adds aiohttp, matplotlib, and Alembic for a database already at the code's head)
SDKS = ("openai", "slack_bolt", "slack_sdk", "discord", "aiohttp", "matplotlib", "alembic")
# /help needs no database, fetching or parsing: reported (tests/test_startup.py enforces it)
HEAVY = ("sqlalchemy", "sqlmodel", "apscheduler", "httpx", "feedparser", "lxml", "storage")
TOP = 15


@dataclass(frozen=True)
class Import:
    self_us: int
    cumulative_us: int
    name: str  # indented as Python prints it: the depth shows who imported it


def parse_importtime(stderr: str) -> list[Import]:
    """The `-X importtime` lines of `stderr`, in the order Python printed them."""
    out = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = line.removeprefix("import time:").split("|", 2)
        out.append(Import(int(self_us), int(cumulative), name.rstrip()))
    return out


def _summary(label: str, ms: list[Measurement]) -> str:
    cpu = [m.cpu for m in ms]
    wall = [m.wall for m in ms]
    peak = statistics.median(m.peak_mb or 0.0 for m in ms)
    return (
        f"{label}: CPU {min(cpu):.2f} / {statistics.median(cpu):.2f} s, "
        f"wall {min(wall):.2f} / {statistics.median(wall):.2f} s, {peak:.0f} MB"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="runs of each command")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)

    python = str(VENV_BIN / "python")
    command = [str(VENV_BIN / "policybrief"), "chat", "/help"]
    baselines = {
        "pass": [python, "-c", "pass"],
        "sqlalchemy": [python, "-c", "import sqlalchemy"],
    }
    setup = [str(VENV_BIN / "policybrief"), "chat", "/sources"]
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pb-startup-") as tmp:
        work = Path(tmp)
        env = base_env(work) | {
            "DATABASE_URL": f"sqlite:///{work / 'startup.db'}",
            "POLICYBRIEF_SEED_SOURCES": "false",
        }
        first = run_measured(setup, env, work, work / "first.log")
        if not first.ok:
            print(f"ERROR: policybrief chat /sources failed: {first.note}")
            return 1
        print(
            f'policybrief chat "/sources" (creates the database): CPU {first.cpu:.2f} s, '
            f"wall {first.wall:.2f} s, {first.peak_mb or 0:.0f} MB"
        )
        runs: dict[str, list[Measurement]] = {"pass": [], "sqlalchemy": [], "cmd": []}
        for n in range(args.runs):  # interleaved: a slow moment hits all alike
            for name, baseline in baselines.items():
                runs[name].append(run_measured(baseline, env, work, work / f"{name}{n}.log"))
            runs["cmd"].append(run_measured(command, env, work, work / f"cmd{n}.log"))
        errors += [m.note for ms in runs.values() for m in ms if not m.ok]
        traced = subprocess.run(
            [python, "-X", "importtime", *command],
            env=env,
            cwd=work,
            capture_output=True,
            text=True,
            check=False,
        )
    if errors:
        print("ERROR: " + "; ".join(errors))
        return 1 if args.check else 0

    cmd = runs["cmd"]
    print(f"{args.runs} runs each, interleaved; min / median (user+sys of the process tree)")
    print("  " + _summary("python -c pass", runs["pass"]))
    print("  " + _summary('python -c "import sqlalchemy"', runs["sqlalchemy"]))
    print("  " + _summary('policybrief chat "/help"', cmd))
    cpu_median = statistics.median(m.cpu for m in cmd)
    for name, label in (("pass", "python -c pass"), ("sqlalchemy", "import sqlalchemy")):
        base = runs[name]
        ratio = cpu_median / statistics.median(m.cpu for m in base)
        ratio_min = min(m.cpu for m in cmd) / min(m.cpu for m in base)
        print(f"  CPU ratio to {label}: {ratio:.2f}x median, {ratio_min:.2f}x min")
    print(f"  CPU median {cpu_median:.2f} s (target <= {TARGET_CPU_S} s)")

    imports = parse_importtime(traced.stderr)
    print(f"\npython -X importtime policybrief chat /help: the {TOP} slowest by cumulative time")
    print(f"  {'cumulative':>10} {'self':>8}  module")
    for imp in sorted(imports, key=lambda i: i.cumulative_us, reverse=True)[:TOP]:
        print(f"  {imp.cumulative_us / 1000:8.1f}ms {imp.self_us / 1000:6.1f}ms {imp.name}")
    by_package: Counter[str] = Counter()
    for imp in imports:  # self times do not overlap: these add up to the whole import time
        by_package[imp.name.strip().split(".")[0]] += imp.self_us
    total = sum(by_package.values())
    print(f"\nimport time by top-level package (self times summed; {total / 1000:.0f} ms in all)")
    for package, us in by_package.most_common(TOP):
        print(f"  {us / 1000:8.1f}ms  {package}")
    loaded = set(by_package)
    sdks = [s for s in SDKS if s in loaded]
    heavy = [f"{h} ({_cumulative(imports, h) / 1000:.0f} ms)" for h in HEAVY if h in loaded]
    print(f"  platform/model SDKs imported: {', '.join(sdks) or 'none'}")
    print(f"  other known costs imported: {', '.join(heavy) or 'none'}")

    missed = []
    if cpu_median > TARGET_CPU_S:
        missed.append(f'policybrief chat "/help" CPU {cpu_median:.2f} s (target <= 0.6 s)')
    if sdks:
        missed.append(f"SDKs imported with nothing configured: {', '.join(sdks)}")
    for line in missed:
        print(f"MISSED: {line}")
    return 1 if args.check and missed else 0


def _cumulative(imports: list[Import], package: str) -> int:
    """Cumulative import time of `package` itself (its top-level import line)."""
    return max((i.cumulative_us for i in imports if i.name.strip() == package), default=0)


if __name__ == "__main__":
    sys.exit(main())
