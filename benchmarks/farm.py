"""The feed farm (issue 19): policybrief against newsboat and bare feedparser on local feeds.

A child process serves `--feeds` feeds x `--items` items over HTTP on loopback addresses
(127.0.1.1, 127.0.1.2, ...: real sources sit on many hosts, and the fetcher allows only two
connections per host), generated deterministically from `--seed`, with ETag and Last-Modified so
a second poll gets 304s. Two texts: "realistic" (news-like stories, mostly distinct, about 15%
told by several outlets) and "large" (every item retells one of a few events, so stories grow
to ~250 items).

Each round runs, per text: newsboat (`-x reload` on a fresh cache; then an untimed second reload,
as newsboat 2.21 keeps ETags only from then on; then the warm one), bare feedparser on the same
bodies in this process (parse only), and `policybrief poll --all` as a
whole process on a fresh SQLite file and on a fresh PostgreSQL schema, cold then warm. The
policybrief database starts empty: the poll process migrates it and adds the 200 sources from a
POLICYBRIEF_CONFIG [[source]] list, as newsboat starts from a urls file and an empty cache.
Rounds are interleaved, so a slow minute on this shared 2-core machine hits every tool alike.

Prints min / median wall time, CPU (user+sys of the whole process tree), peak RSS of the tree
(summed over its processes, sampled every 20 ms), then the issue's ratios and targets (the warm
runs also against `python -c pass`, run in each round as the interpreter's own cost); a
"MISSED:" line for each target missed. Exit code 0 unless `--check` and a target is missed (or a
run failed). PostgreSQL comes from `--pg-url` or POLICYBRIEF_TEST_POSTGRES_URL (one schema per
run, dropped afterwards); without one that column is skipped, as newsboat is when it cannot be
installed. The PostgreSQL server's own CPU and memory are not part of the tree.

`--baseline WORKTREE` adds, in every round right after each policybrief run, the same run of
the policybrief installed in WORKTREE/.venv (a checkout of main, say), and prints this code's
wall time, CPU and peak memory as ratios to it: an A/B measured in the same minutes.

    .venv/bin/python benchmarks/farm.py [--feeds 200] [--items 50] [--rounds 3]
        [--only sqlite,postgres,newsboat,feedparser] [--variant realistic|large] [--quick]
        [--check] [--pg-url URL] [--newsboat-threads N] [--baseline WORKTREE]
    .venv/bin/python benchmarks/farm.py --serve DIR   # only serve the farm, to profile by hand
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import hashlib
import html
import itertools
import multiprocessing as mp
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

if TYPE_CHECKING:
    import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SAMPLES = ROOT / "digest" / "data" / "samples"
# policy texts under tests/data that lend the farm their vocabulary
CORPUS = ("labelled_items.toml", "policy-newsletter-sample.txt", "cluster_pairs.json")

VARIANTS = ("realistic", "large")
TOOLS = ("newsboat", "feedparser", "sqlite", "postgres")
TOOL_TITLES = {
    "newsboat": "newsboat (C++)",
    "feedparser": "bare feedparser",
    "sqlite": "policybrief SQLite",
    "postgres": "policybrief PostgreSQL",
    "sqlite-base": "baseline SQLite",
    "postgres-base": "baseline PostgreSQL",
}
BASELINE_SUFFIX = "-base"  # a --baseline worktree's run of a policybrief tool
SHARED_SHARE = 0.15  # realistic: share of items retelling a story another outlet also tells
LARGE_STORY_ITEMS = 250  # large: items per event, so 10,000 items tell 40 events
SAMPLE_EVERY = 0.02  # seconds between RSS samples of a process tree
RUN_TIMEOUT = 600.0  # seconds; a run that takes longer is killed and reported as failed

# Targets of issue 19
COLD_VS_NEWSBOAT = 1.0
LARGE_VS_REALISTIC = 1.2
WARM_WALL_S = 1.0
PEAK_TREE_MB = 100.0


# ============================================================== the farm's text (deterministic)

# Words policy news is made of; the bundled sample feeds add their own vocabulary below.
_COMMON_WORDS = """the a of to in and for on that with by as is was will has from at its it be
are have said this which an or their not been new after also but would more than about over could
they government commission regulator ministry authority data online platform platforms users rules
law bill act proposal consultation court decision fine fined penalty investigation report
published framework guidance guidelines companies company services service digital protection
privacy security cyber children child safety age verification content harmful illegal market
competition consumers consumer access transparency accountability national international
european federal state public private sector industry minister officials lawmakers parliament
committee agency agencies million billion percent year month week statement announced plans
plan measures require required requirements obligations compliance risk risks assessment
systems system model models artificial intelligence technology research researchers evidence
incident breach accounts personal information customers network networks infrastructure
critical operators providers provider developers standards review audit enforcement licence
draft code practice appeal ruling judges tribunal complaint complaints watchdog probe inquiry
hearing vote amendment directive regulation sanctions tariffs exports chips cloud cables
satellite telecoms encryption messaging app apps store stores search advertising ads
algorithm algorithms recommender moderation takedown notices removal election elections
campaign deepfake deepfakes labels labelling watermark identity wallet payments stablecoin
exchange tokens wallets fraud scam scams ransomware attack attacks hackers vulnerability
patch outage resilience"""
_COMMON = _COMMON_WORDS.split()

REGULATORS = [
    ("European Commission", "Brussels", "EU"),
    ("Ofcom", "London", "UK"),
    ("Information Commissioner's Office", "Wilmslow", "UK"),
    ("Federal Trade Commission", "Washington", "US"),
    ("Securities and Exchange Commission", "Washington", "US"),
    ("eSafety Commissioner", "Canberra", "Australia"),
    ("Korea Fair Trade Commission", "Sejong", "South Korea"),
    ("Personal Information Protection Commission", "Seoul", "South Korea"),
    ("CNIL", "Paris", "France"),
    ("Bundeskartellamt", "Bonn", "Germany"),
    ("Irish Data Protection Commission", "Dublin", "Ireland"),
    ("Ministry of Electronics and IT", "New Delhi", "India"),
    ("Cyberspace Administration of China", "Beijing", "China"),
    ("Japan Fair Trade Commission", "Tokyo", "Japan"),
    ("ANPD", "Brasilia", "Brazil"),
    ("CRTC", "Ottawa", "Canada"),
    ("ENISA", "Athens", "EU"),
    ("European Data Protection Board", "Brussels", "EU"),
]
# fmt: off
ISSUES = [
    "age verification", "child sexual abuse material", "online grooming", "data transfers",
    "a data breach", "cookie consent", "children's data", "facial recognition", "AI transparency",
    "general-purpose AI models", "high-risk AI systems", "deepfake labelling",
    "election disinformation", "content moderation", "illegal content notices",
    "recommender systems", "app store fees", "self-preferencing", "a merger", "cloud licensing",
    "ransomware reporting", "critical infrastructure security", "undersea cables", "5G vendors",
    "stablecoin licensing", "crypto exchanges", "scam adverts", "digital identity wallets",
    "cross-border data flows", "export controls on chips", "encryption backdoors", "spyware",
    "platform worker rights", "online safety duties", "dark patterns", "targeted advertising",
]
VERBS = [
    "fines", "opens an investigation into", "warns", "orders", "clears", "sues", "questions",
    "sets a deadline for", "accepts commitments from", "raids",
]
# fmt: on
_FIRST_NAMES = """Anna Ben Chloe David Elena Farid Grace Hiro Ines Jonas Karin Luca Maya Nadia Omar
Priya Rafael Sofia Tomas Yuna Min-jun Ji-woo Aiko Wei Lars Marta Kofi Leila Pedro Zainab"""
FIRST_NAMES = _FIRST_NAMES.split()
COMPANY_SUFFIXES = ["", " Labs", " Group", " Technologies", " Networks", " Pay", " AI", " Media"]
OUTLETS = ["said", "told reporters", "wrote in a blog post", "said in a statement"]
PROMO = (
    "<p><em>Get this briefing in your inbox every morning: subscribe to our newsletter.</em></p>"
)

_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def _pseudo_name(rng: random.Random, parts: tuple[int, int] = (2, 3)) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(*parts))).capitalize()


def _corpus_words() -> list[str]:
    """Words of the bundled sample feeds and the tests' policy texts, most frequent first."""
    paths = sorted(SAMPLES.glob("*.xml")) + [ROOT / "tests" / "data" / name for name in CORPUS]
    counts: Counter[str] = Counter()
    for path in paths:
        if path.exists():
            text = html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
            counts.update(w.lower() for w in re.findall(r"[A-Za-z][a-z]{2,}", text))
    return [w for w, _n in sorted(counts.items(), key=lambda wn: (-wn[1], wn[0]))]


def _vocabulary(size: int = 5000) -> tuple[list[str], list[float]]:
    """Real policy words first, then a tail of made-up rare ones (about a tenth of the text),
    with Zipf weights: a few words everywhere, most rare, as in news. Cumulative weights."""
    words = list(dict.fromkeys([*_COMMON, *_corpus_words()]))
    seen = set(words)
    rng = random.Random("farm-vocabulary")
    while len(words) < size:
        w = _pseudo_name(rng, (2, 4)).lower()
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words, list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words))))


@dataclass
class Story:
    """One event as an outlet tells it: a headline and its sentences."""

    title: str
    sentences: list[str]
    published: datetime


class TextMaker:
    """News-like stories from a Zipf vocabulary, real regulators and made-up companies."""

    def __init__(self, rng: random.Random, anchor: datetime) -> None:
        self.rng = rng
        self.anchor = anchor
        self.vocab, self.cum = _vocabulary()

    def _words(self, k: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum, k=k)

    def _sentence(self, actors: list[str], figures: list[str]) -> str:
        rng = self.rng
        shape = rng.random()
        if shape < 0.25:
            words = self._words(rng.randint(8, 14))
            return f"{rng.choice(actors)} {rng.choice(OUTLETS)} that {' '.join(words)}."
        if shape < 0.4:
            words = self._words(rng.randint(8, 12))
            return f"The {words[0]} {' '.join(words[1:])}, according to {rng.choice(actors)}."
        words = self._words(rng.randint(12, 20))
        words.insert(rng.randrange(len(words)), rng.choice(actors))
        if rng.random() < 0.5:
            words.insert(rng.randrange(len(words)), rng.choice(figures))
        words[0] = words[0].capitalize()
        return " ".join(words) + "."

    def story(self, hours_back: float = 48.0) -> Story:
        """A fresh event: its own company, person and figures, one of the policy issues."""
        rng = self.rng
        regulator, city, country = rng.choice(REGULATORS)
        company = _pseudo_name(rng) + rng.choice(COMPANY_SUFFIXES)
        person = f"{rng.choice(FIRST_NAMES)} {_pseudo_name(rng)}"
        issue = rng.choice(ISSUES)
        amount = f"{rng.randint(2, 950)}.{rng.randint(1, 9)} million"
        actors = [company, regulator, city, country, person]
        figures = [amount, f"{rng.randint(10, 999)}", f"{rng.randint(2, 60)} days"]
        title = rng.choice(
            [
                f"{regulator} {rng.choice(VERBS)} {company} over {issue}",
                f"{company} faces {amount} penalty in {country} over {issue}",
                f"{country} proposes new rules on {issue} after {company} case",
                f"{person}: what the {company} ruling means for {issue}",
                f"{regulator} publishes guidance on {issue}",
                f"{company} to change {' '.join(self._words(2))} after {regulator} probe",
            ]
        )
        sentences = [self._sentence(actors, figures) for _ in range(rng.randint(5, 10))]
        published = self.anchor - timedelta(minutes=rng.randint(10, int(hours_back * 60)))
        return Story(title, sentences, published)

    def retell(self, story: Story, spread_hours: float = 8.0) -> Story:
        """Another outlet's version: sentences dropped and reordered, words changed, a new
        headline with the same facts."""
        rng = self.rng
        kept = [s for s in story.sentences if rng.random() < 0.75] or story.sentences[:3]
        rng.shuffle(kept)
        told = []
        for s in kept:
            words = s.split()
            for _ in range(max(1, len(words) // 8)):
                words[rng.randrange(len(words))] = self._words(1)[0]
            told.append(" ".join(words))
        title = story.title.split()
        for _ in range(2):
            title.insert(rng.randrange(len(title) + 1), self._words(1)[0])
        delay = timedelta(minutes=rng.randint(0, int(spread_hours * 60)))
        return Story(" ".join(title), told, min(self.anchor, story.published + delay))


def _item_html(story: Story, rng: random.Random, n_feed: int, n_item: int, promo: bool) -> str:
    paras = []
    for j in range(0, len(story.sentences), 3):
        para = html.escape(" ".join(story.sentences[j : j + 3]), quote=False)
        if j == 0 and rng.random() < 0.3:  # a relative link, as many feeds have
            para += f' <a href="/news/{n_feed}-{n_item}/background">Background</a>.'
        paras.append(f"<p>{para}</p>")
    if promo:
        paras.append(PROMO)
    return "\n".join(paras)


def _rss(n: int, base: str, items: Sequence[tuple[int, Story]], rng: random.Random) -> str:
    summary_only = n % 3 == 0  # a third of the outlets publish summaries, the rest full text
    promo = n % 5 == 0
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n'
        f"<title>Farm outlet {n}</title>\n<link>{base}/</link>\n"
        f"<description>Policy news from outlet {n}</description>\n<language>en</language>\n"
    ]
    for i, story in items:
        body = _item_html(story, rng, n, i, promo)
        if summary_only:
            short = Story(story.title, story.sentences[:3], story.published)
            extra = f"<description><![CDATA[{_item_html(short, rng, n, i, promo)}]]></description>"
        else:
            lead = html.escape(story.sentences[0], quote=False)
            extra = (
                f"<description>{xml_escape(lead)}</description>\n"
                f"<content:encoded><![CDATA[{body}]]></content:encoded>"
            )
        parts.append(
            "<item>\n"
            f"<title>{xml_escape(story.title)}</title>\n"
            f"<link>{base}/news/{i}?utm_source=rss&amp;utm_medium=feed</link>\n"
            f'<guid isPermaLink="false">outlet{n}-item{i}</guid>\n'
            f"<pubDate>{format_datetime(story.published)}</pubDate>\n{extra}\n</item>\n"
        )
    parts.append("</channel>\n</rss>\n")
    return "".join(parts)


def _atom(n: int, base: str, items: Sequence[tuple[int, Story]], rng: random.Random) -> str:
    promo = n % 5 == 0
    newest = max(story.published for _i, story in items)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}/">\n'
        f"<title>Farm outlet {n}</title>\n<id>{base}/</id>\n"
        f'<link href="{base}/"/>\n<updated>{newest.isoformat()}</updated>\n'
    ]
    for i, story in items:
        parts.append(
            "<entry>\n"
            f"<title>{xml_escape(story.title)}</title>\n"
            f'<link href="news/{i}"/>\n<id>tag:outlet{n}.farm,2026:{i}</id>\n'
            f"<updated>{story.published.isoformat()}</updated>\n"
            f"<published>{story.published.isoformat()}</published>\n"
            f"<author><name>{xml_escape(_pseudo_name(rng))} {n}</name></author>\n"
            f'<content type="html">{xml_escape(_item_html(story, rng, n, i, promo))}</content>\n'
            "</entry>\n"
        )
    parts.append("</feed>\n")
    return "".join(parts)


@dataclass(frozen=True)
class Feed:
    path: str  # e.g. /realistic/17.xml
    body: bytes
    content_type: str


def make_feeds(variant: str, n_feeds: int, n_items: int, seed: int, anchor: datetime) -> list[Feed]:
    """The farm's feeds for one text variant; the same bytes for the same arguments."""
    rng = random.Random(f"{seed}-{variant}")
    maker = TextMaker(rng, anchor)
    total = n_feeds * n_items
    if variant == "large":
        # few events, all retold: each story gathers about LARGE_STORY_ITEMS items
        events = [maker.story(hours_back=40) for _ in range(max(1, total // LARGE_STORY_ITEMS))]

        def next_story() -> Story:
            return maker.retell(rng.choice(events), spread_hours=24)
    else:
        shared = [maker.story() for _ in range(max(1, int(total * SHARED_SHARE / 3)))]

        def next_story() -> Story:
            return (
                maker.retell(rng.choice(shared)) if rng.random() < SHARED_SHARE else maker.story()
            )

    feeds = []
    for n in range(n_feeds):
        base = f"https://outlet{n}.farm.invalid"
        stories = sorted(
            [(i, next_story()) for i in range(n_items)], key=lambda x: x[1].published, reverse=True
        )
        if n % 4 == 3:
            text, ctype = _atom(n, base, stories, rng), "application/atom+xml; charset=utf-8"
        else:
            text, ctype = _rss(n, base, stories, rng), "application/rss+xml; charset=utf-8"
        feeds.append(Feed(f"/{variant}/{n}.xml", text.encode("utf-8"), ctype))
    return feeds


# ============================================================== the HTTP farm (child process)

_HTTP_DATE = "%a, %d %b %Y %H:%M:%S GMT"


def _serve(feeds: list[Feed], hosts: list[str], last_modified: datetime, conn: Connection) -> None:
    asyncio.run(_serve_async(feeds, hosts, last_modified, conn))


async def _serve_async(
    feeds: list[Feed], hosts: list[str], last_modified: datetime, conn: Connection
) -> None:
    """Serve every feed on every host until told to stop; report status counts when asked."""
    lm_header = last_modified.strftime(_HTTP_DATE).encode()
    table = {
        f.path.encode(): (f.body, f.content_type.encode(), b'"' + _etag(f.body) + b'"')
        for f in feeds
    }
    statuses: Counter[int] = Counter()

    def answer(head: bytes) -> tuple[int, bytes]:
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        found = table.get(parts[1]) if len(parts) == 3 and parts[0] == b"GET" else None
        if found is None:
            return 404, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        body, ctype, etag = found
        inm, ims = headers.get(b"if-none-match"), headers.get(b"if-modified-since")
        if inm is not None:
            fresh = etag in (t.strip() for t in inm.split(b",")) or inm == b"*"
        else:
            fresh = ims is not None and _not_before(ims, last_modified)
        validators = b"ETag: " + etag + b"\r\nLast-Modified: " + lm_header + b"\r\n"
        if fresh:
            return 304, b"HTTP/1.1 304 Not Modified\r\n" + validators + b"\r\n"
        length = str(len(body)).encode()
        return 200, b"".join(
            [b"HTTP/1.1 200 OK\r\nContent-Type: ", ctype, b"\r\n", validators]
            + [b"Content-Length: ", length, b"\r\n\r\n", body]
        )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                status, response = answer(head)
                statuses[status] += 1
                writer.write(response)
                await writer.drain()
                if b"\r\nconnection: close" in head.lower():
                    return
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            return
        finally:
            writer.close()

    servers = await _bind_all(handle, hosts)
    conn.send(servers[0].sockets[0].getsockname()[1])
    loop = asyncio.get_running_loop()
    while True:
        message = await loop.run_in_executor(None, conn.recv)
        if message == "stats":
            conn.send(dict(statuses))
            statuses.clear()
        else:
            break
    for server in servers:
        server.close()


async def _bind_all(
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    hosts: list[str],
) -> list[asyncio.Server]:
    """One server per host, all on one port (so one port number goes in every URL)."""
    for _attempt in range(20):
        first = await asyncio.start_server(handle, hosts[0], 0, backlog=512)
        port = first.sockets[0].getsockname()[1]
        servers = [first]
        try:
            for host in hosts[1:]:
                servers.append(await asyncio.start_server(handle, host, port, backlog=512))
        except OSError:  # that port is taken on another address: try another one
            for server in servers:
                server.close()
            continue
        return servers
    raise RuntimeError("no free port on every farm host")


def _etag(body: bytes) -> bytes:
    return hashlib.sha1(body).hexdigest()[:16].encode()


def _not_before(ims: bytes, last_modified: datetime) -> bool:
    try:
        return parsedate_to_datetime(ims.decode("latin-1")) >= last_modified
    except (TypeError, ValueError):
        return False


class Farm:
    """The farm's server process, and the URLs it serves."""

    def __init__(self, feeds: list[Feed], n_hosts: int, last_modified: datetime) -> None:
        self.hosts = [f"127.0.1.{i}" for i in range(1, n_hosts + 1)]
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_serve, args=(feeds, self.hosts, last_modified, child), daemon=True
        )
        self._proc.start()
        self.port: int = self._conn.recv()

    def urls(self, feeds: Sequence[Feed]) -> list[str]:
        """The URLs of `feeds`, spread over the hosts in turn."""
        return [
            f"http://{self.hosts[n % len(self.hosts)]}:{self.port}{f.path}"
            for n, f in enumerate(feeds)
        ]

    @property
    def allow(self) -> str:
        """POLICYBRIEF_FETCH_ALLOW for every farm host."""
        return ",".join(f"{h}:{self.port}" for h in self.hosts)

    def take_stats(self) -> dict[int, int]:
        """Responses by status since the last call."""
        self._conn.send("stats")
        stats: dict[int, int] = self._conn.recv()
        return stats

    def close(self) -> None:
        self._conn.send("stop")
        self._proc.join(5)


# ============================================================== measuring a process tree


@dataclass
class Measurement:
    wall: float
    cpu: float  # user + sys of the process and all its descendants, seconds
    peak_mb: float | None  # peak summed RSS of the tree; None when not measured
    ok: bool = True
    note: str = ""


_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICKS = os.sysconf("SC_CLK_TCK")
RESCAN_EVERY = 5  # samples between scans of /proc for new descendants (a scan costs ~2 ms)


def _stat_fields(pid: int) -> list[bytes]:
    """/proc/PID/stat after the command name: [state, ppid, ...]; OSError once it is gone."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read()
    return data[data.rindex(b")") + 2 :].split()


def descendants(root: int) -> list[int]:
    """Every live descendant of `root`, from one scan of /proc (this kernel has no
    /proc/PID/task/TID/children to walk the tree directly)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                ppid = int(_stat_fields(int(name))[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(name))
    found, i = [root], 0
    while i < len(found):
        found.extend(children.get(found[i], ()))
        i += 1
    return found[1:]


class TreeSampler(threading.Thread):
    """Samples a process tree every SAMPLE_EVERY s from /proc: the peak of its summed RSS, and
    each process's last CPU time (a floor for the tree's CPU should a grandchild go unreaped).
    Cheap, because it shares two cores with what it measures: the tree is rescanned only every
    RESCAN_EVERY samples, and in between only the known processes are read."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = pid
        self.peak = 0
        self.cpu_seen: dict[int, float] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        pids = [self.root]
        for tick in itertools.count():
            if self._stop_event.is_set():
                return
            if tick % RESCAN_EVERY == 0:
                pids = [self.root, *descendants(self.root)]
            rss = 0
            for pid in pids:
                try:
                    with open(f"/proc/{pid}/statm", "rb") as f:
                        rss += int(f.read().split()[1]) * _PAGE
                    fields = _stat_fields(pid)
                except (OSError, IndexError, ValueError):
                    continue  # it has ended
                self.cpu_seen[pid] = (int(fields[11]) + int(fields[12])) / _TICKS
            self.peak = max(self.peak, rss)
            self._stop_event.wait(SAMPLE_EVERY)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _kill_tree(pid: int) -> None:
    for child in descendants(pid):
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def run_measured(
    cmd: Sequence[str], env: dict[str, str], cwd: Path, log: Path, timeout: float = RUN_TIMEOUT
) -> Measurement:
    """Run `cmd` to completion; its wall time, tree CPU and tree peak RSS. Output goes to `log`.

    CPU comes from wait4(): the process's own and that of every descendant it waited for.
    Peak memory is sampled only: wait4's ru_maxrss would count this process's own memory,
    which Linux carries across the child's exec.
    """
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        timer = threading.Timer(timeout, _kill_tree, [proc.pid])
        timer.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        timer.cancel()
        proc.returncode = code = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        sampler.stop()
    cpu = max(usage.ru_utime + usage.ru_stime, sum(sampler.cpu_seen.values()))
    ok = code == 0
    note = "" if ok else f"exit code {code}: " + _tail(log)
    return Measurement(wall, cpu, sampler.peak / 1e6, ok, note)


def _tail(log: Path, lines: int = 3) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(text[-lines:])


def base_env(home: Path) -> dict[str, str]:
    """A clean environment: nothing of ours (no .env, keys, proxies), HOME in the temp dir."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "NO_PROXY": "*",
        "no_proxy": "*",
    }
    return env


# ============================================================== the tools


@dataclass
class Context:
    """What every runner needs: the farm, the variant's feeds and URLs, a scratch directory."""

    farm: Farm
    variant: str
    feeds: list[Feed]
    urls: list[str]
    scratch: Path
    round_no: int
    first_round: bool


class Runner:
    """One tool: a cold run from nothing, then (if it has one) a warm run on what it kept."""

    name = ""
    phases: tuple[str, ...] = ("cold", "warm")  # methods called in turn; "settle" is untimed

    def available(self) -> str | None:
        """None when the tool can run here, else why not (printed once)."""
        return None

    def cold(self, ctx: Context) -> Measurement:
        raise NotImplementedError

    def warm(self, ctx: Context) -> Measurement:
        raise NotImplementedError

    def cleanup(self, ctx: Context) -> None:
        """Drop what the cold run made."""

    def checks(self, ctx: Context) -> str:
        """One line on what the cold run stored (printed for the first round)."""
        return ""


class Newsboat(Runner):
    """`newsboat -x reload` on a urls file and a cache file of its own, HOME in the temp dir.

    newsboat 2.21 keeps a feed's ETag and Last-Modified only from its second reload on
    (upstream newsboat#2734): that second reload downloads everything again, so it runs as an
    untimed "settle" step, and the third reload, all 304s, is the warm one.
    """

    name = "newsboat"
    phases = ("cold", "settle", "warm")

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.exe = shutil.which("newsboat")

    def available(self) -> str | None:
        if self.exe is None:
            self.exe = _install_newsboat()
        return None if self.exe else "newsboat is not installed and could not be installed"

    def _dir(self, ctx: Context) -> Path:
        return ctx.scratch / f"newsboat-{ctx.variant}-{ctx.round_no}"

    def _run(self, ctx: Context, phase: str) -> Measurement:
        d = self._dir(ctx)
        assert self.exe is not None
        cmd = [self.exe, "-q", "-C", str(d / "config"), "-u", str(d / "urls")]
        cmd += ["-c", str(d / "cache.db"), "-x", "reload"]
        return run_measured(cmd, base_env(d), d, d / f"{phase}.log")

    def cold(self, ctx: Context) -> Measurement:
        d = self._dir(ctx)
        d.mkdir()
        (d / "urls").write_text("\n".join(ctx.urls) + "\n", encoding="utf-8")
        (d / "config").write_text(
            f"reload-threads {self.threads}\nuse-proxy no\ndownload-timeout 60\n"
            f'error-log "{d / "error.log"}"\n',
            encoding="utf-8",
        )
        return self._run(ctx, "cold")

    def settle(self, ctx: Context) -> Measurement:
        return self._run(ctx, "settle")

    def warm(self, ctx: Context) -> Measurement:
        return self._run(ctx, "warm")

    def checks(self, ctx: Context) -> str:
        with sqlite3.connect(self._dir(ctx) / "cache.db") as conn:
            (items,) = conn.execute("SELECT count(*) FROM rss_item").fetchone()
        return f"{items} items in its cache"

    def cleanup(self, ctx: Context) -> None:
        shutil.rmtree(self._dir(ctx), ignore_errors=True)


def _install_newsboat() -> str | None:
    """apt-get install newsboat (Debian's registry); None when that fails."""
    if shutil.which("apt-get") is None:
        return None
    print("newsboat missing: apt-get install -y newsboat ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "newsboat"]):
        try:
            subprocess.run(cmd, env=env, capture_output=True, timeout=600, check=True)
        except (OSError, subprocess.SubprocessError):
            break
    return shutil.which("newsboat")


class BareFeedparser(Runner):
    """feedparser.parse on the same bodies, in this process: no fetch, no storage."""

    name = "feedparser"
    phases = ("cold",)

    def __init__(self) -> None:
        self.entries = 0

    def cold(self, ctx: Context) -> Measurement:
        import feedparser

        bodies = [f.body for f in ctx.feeds]
        gc.collect()
        cpu0, started = time.process_time(), time.perf_counter()
        self.entries = sum(len(feedparser.parse(body).entries) for body in bodies)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
        return Measurement(wall, cpu, None)

    def checks(self, ctx: Context) -> str:
        return f"{self.entries} entries parsed"


class Policybrief(Runner):
    """`policybrief poll --all` as a whole process, on a database that starts empty."""

    def __init__(
        self, backend: str, pg_url: str | None = None, baseline: Path | None = None
    ) -> None:
        self.backend = backend
        self.name = backend if baseline is None else f"{backend}{BASELINE_SUFFIX}"
        self.pg_url = pg_url
        self.exe = (VENV_BIN if baseline is None else baseline / ".venv" / "bin") / "policybrief"
        self._last_output = ""

    def available(self) -> str | None:
        if not self.exe.exists():
            return f"{self.exe} is missing (make test installs it)"
        if self.backend == "postgres":
            if not self.pg_url:
                return "no PostgreSQL: pass --pg-url or set POLICYBRIEF_TEST_POSTGRES_URL"
            try:
                with _pg_connect(self.pg_url) as conn:
                    conn.execute("SELECT 1")
            except Exception as exc:  # any driver error means: no usable database
                return f"PostgreSQL unreachable at {self.pg_url}: {exc}"
        return None

    def _dir(self, ctx: Context) -> Path:
        return ctx.scratch / f"pb-{self.name}-{ctx.variant}-{ctx.round_no}"

    def _schema(self, ctx: Context) -> str:
        return f"pb_farm_{os.getpid()}_{self.name.replace('-', '_')}_{ctx.variant}_{ctx.round_no}"

    def _database_url(self, ctx: Context) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self._dir(ctx) / 'policybrief.db'}"
        assert self.pg_url is not None
        sep = "&" if "?" in self.pg_url else "?"
        return f"{self.pg_url}{sep}options=-csearch_path%3D{self._schema(ctx)}"

    def _run(self, ctx: Context, phase: str) -> Measurement:
        d = self._dir(ctx)
        env = base_env(d) | {
            "DATABASE_URL": self._database_url(ctx),
            "POLICYBRIEF_CONFIG": str(d / "config.toml"),
            "POLICYBRIEF_FETCH_ALLOW": ctx.farm.allow,
        }
        log = d / f"{phase}.log"
        m = run_measured([str(self.exe), "poll", "--all"], env, d, log)
        summary = [ln for ln in log.read_text(errors="replace").splitlines() if "Polled " in ln]
        self._last_output = summary[-1] if summary else ""
        if m.ok and not summary:
            m.ok, m.note = False, "no 'Polled ...' summary: " + _tail(log)
        return m

    def cold(self, ctx: Context) -> Measurement:
        d = self._dir(ctx)
        d.mkdir()
        (d / "config.toml").write_text(sources_toml(ctx.urls), encoding="utf-8")
        if self.backend == "postgres":
            assert self.pg_url is not None
            with _pg_connect(self.pg_url) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self._schema(ctx)}" CASCADE')
                conn.execute(f'CREATE SCHEMA "{self._schema(ctx)}"')
        return self._run(ctx, "cold")

    def warm(self, ctx: Context) -> Measurement:
        m = self._run(ctx, "warm")
        if m.ok and " 0 new items" not in self._last_output:
            m.note = f"warm run stored items: {self._last_output}"
        return m

    def checks(self, ctx: Context) -> str:
        query = "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM stories)"
        if self.backend == "sqlite":
            with sqlite3.connect(self._dir(ctx) / "policybrief.db") as conn:
                items, stories = conn.execute(query).fetchone()
        else:
            assert self.pg_url is not None
            with _pg_connect(self.pg_url) as conn:
                conn.execute(f'SET search_path TO "{self._schema(ctx)}"')
                row = conn.execute(query).fetchone()
                assert row is not None
                items, stories = row
        per = items / stories if stories else 0.0
        return f"{self._last_output} {items} items, {stories} stories ({per:.1f} items/story)"

    def cleanup(self, ctx: Context) -> None:
        if self.backend == "postgres" and self.pg_url:
            with _pg_connect(self.pg_url) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self._schema(ctx)}" CASCADE')
        shutil.rmtree(self._dir(ctx), ignore_errors=True)


def sources_toml(urls: Sequence[str]) -> str:
    """A POLICYBRIEF_CONFIG file whose [[source]] list is the farm (and nothing on the internet)."""
    return "".join(
        f'[[source]]\nname = "Farm outlet {n}"\nurl = "{url}"\n\n' for n, url in enumerate(urls)
    )


def _pg_connect(url: str) -> psycopg.Connection[tuple[Any, ...]]:
    """An autocommit psycopg connection from a SQLAlchemy-style URL."""
    import psycopg

    return psycopg.connect(
        re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", url), autocommit=True
    )


# ============================================================== rounds and the report

Key = tuple[str, str, str]  # (variant, tool, "cold" | "warm")


@dataclass
class Results:
    runs: dict[Key, list[Measurement]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, key: Key, m: Measurement) -> None:
        self.runs.setdefault(key, []).append(m)
        if not m.ok:
            self.errors.append(f"{'/'.join(key)}: {m.note}")

    def good(self, key: Key) -> list[Measurement]:
        return [m for m in self.runs.get(key, []) if m.ok]


def run_rounds(
    runners: list[Runner], feeds: dict[str, list[Feed]], farm: Farm, rounds: int, scratch: Path
) -> Results:
    results = Results()
    for r in range(1, rounds + 1):
        for variant, vfeeds in feeds.items():
            ctx = Context(farm, variant, vfeeds, farm.urls(vfeeds), scratch, r, r == 1)
            for runner in runners:
                try:
                    for phase in runner.phases:
                        farm.take_stats()
                        m = getattr(runner, phase)(ctx)
                        served = farm.take_stats()
                        _check_served(m, served, phase, runner.name, len(vfeeds))
                        results.add((variant, runner.name, phase), m)
                        print(
                            f"  round {r} {variant:9} {runner.name:10} {phase:6}: {m.wall:6.2f} s "
                            f"wall, {m.cpu:6.2f} s CPU"
                            + (f", {m.peak_mb:5.0f} MB" if m.peak_mb is not None else "")
                            + (f"  served {served}" if served else "")
                            + f"  load {os.getloadavg()[0]:.1f}"
                            + (f"  [{m.note}]" if m.note else ""),
                            flush=True,
                        )
                        if phase == "cold" and ctx.first_round and m.ok:
                            print(f"      {runner.name} stored: {runner.checks(ctx)}", flush=True)
                finally:
                    runner.cleanup(ctx)
            # the interpreter alone, in the same minute: the baseline of the warm ratios
            base = run_measured(PYTHON_PASS, base_env(scratch), scratch, scratch / "pass.log")
            results.add((variant, "python", "pass"), base)
    return results


PYTHON_PASS = (sys.executable, "-c", "pass")


def _check_served(m: Measurement, served: dict[int, int], phase: str, tool: str, n: int) -> None:
    """A cold run must fetch every feed (200), a warm one must get only 304s."""
    if tool == "feedparser" or phase == "settle" or not m.ok:
        return
    want = 200 if phase == "cold" else 304
    if served.get(want, 0) != n or sum(served.values()) != n:
        m.note = (m.note + "; " if m.note else "") + f"expected {n} x {want}, served {served}"


def _fmt_cell(ms: list[Measurement], memory: bool = True) -> str:
    if not ms:
        return ""
    walls = [m.wall for m in ms]
    cell = f"{min(walls):.2f} / {statistics.median(walls):.2f} s"
    cell += f", CPU {statistics.median(m.cpu for m in ms):.2f} s"
    peaks = [m.peak_mb for m in ms if m.peak_mb is not None]
    if memory and peaks:
        cell += f", {statistics.median(peaks):.0f} MB"
    return cell


def print_table(results: Results, variants: Sequence[str], tools: Sequence[str]) -> None:
    print("\nwall min / median, CPU median (user+sys, whole process tree), peak tree RSS median")
    print("| run | " + " | ".join(TOOL_TITLES[t] for t in tools) + " |")
    print("|---|" + "---|" * len(tools))
    for phase in ("cold", "warm"):
        for variant in variants:
            label = {"realistic": "realistic text", "large": "large stories"}[variant]
            row = [
                _fmt_cell(results.good((variant, t, phase)))
                + (
                    " (parse only)"
                    if t == "feedparser" and results.good((variant, t, phase))
                    else ""
                )
                for t in tools
            ]
            if any(row):
                title = f"{phase}, {label}" + (" (all 304)" if phase == "warm" else "")
                print(f"| {title} | " + " | ".join(row) + " |")


@dataclass
class Target:
    label: str
    value: float | None  # None: not measured this run
    limit: float
    unit: str  # "x" (a ratio) or "s" / "MB"
    detail: str = ""

    @property
    def missed(self) -> bool:
        return self.value is not None and self.value > self.limit

    def shown(self, value: float | None) -> str:
        if value is None:
            return "n/a"
        if self.unit == "x":
            return f"{value:.2f}x"
        return f"{value:.0f} MB" if self.unit == "MB" else f"{value:.2f} {self.unit}"

    @property
    def goal(self) -> str:
        if self.limit == float("inf"):
            return ""
        return f"  target {'<=' if self.unit == 'x' else '<'} {self.shown(self.limit)}"


def _ratio(results: Results, label: str, num: Key, den: Key, limit: float) -> Target | None:
    """num / den wall time as the median over rounds of each round's pair of runs (the two ran
    minutes apart, so a busy spell hits both); min/min and the CPU ratio are shown beside it."""
    a, b = results.runs.get(num, []), results.runs.get(den, [])
    pairs = [(x, y) for x, y in zip(a, b, strict=False) if x.ok and y.ok]
    if not pairs:
        return None
    by_min = min(x.wall for x, _ in pairs) / min(y.wall for _, y in pairs)
    cpu = statistics.median(x.cpu / y.cpu for x, y in pairs)
    paired = statistics.median(x.wall / y.wall for x, y in pairs)
    return Target(label, paired, limit, "x", f"min/min {by_min:.2f}x; CPU {cpu:.2f}x")


def targets(results: Results, variants: Sequence[str], tools: Sequence[str]) -> list[Target]:
    """The issue's ratios and targets, for whatever this run measured."""
    found: list[Target | None] = []
    none = float("inf")  # shown, not a target
    for db in (t for t in ("sqlite", "postgres") if t in tools):
        name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[db]
        for variant in variants:
            limit = COLD_VS_NEWSBOAT if variant == "realistic" else none
            found.append(
                _ratio(
                    results,
                    f"cold {name} / newsboat cold, {variant}",
                    (variant, db, "cold"),
                    (variant, "newsboat", "cold"),
                    limit,
                )
            )
        if "realistic" in variants and "large" in variants:
            found.append(
                _ratio(
                    results,
                    f"cold {name} large stories / realistic",
                    ("large", db, "cold"),
                    ("realistic", db, "cold"),
                    LARGE_VS_REALISTIC,
                )
            )
        for variant in variants:
            warm = results.good((variant, db, "warm"))
            if warm:
                median = statistics.median(m.wall for m in warm)
                detail = f"min {min(m.wall for m in warm):.2f} s"
                found.append(
                    Target(f"warm {name} wall, {variant}", median, WARM_WALL_S, "s", detail)
                )
                found.append(
                    _ratio(
                        results,
                        f"warm {name} / python -c pass, {variant} (reference)",
                        (variant, db, "warm"),
                        (variant, "python", "pass"),
                        none,
                    )
                )
        peaks = [
            (m.peak_mb, f"{variant} {phase}")
            for variant in variants
            for phase in ("cold", "warm")
            for m in results.good((variant, db, phase))
            if m.peak_mb is not None
        ]
        if peaks:
            worst, where = max(peaks)
            found.append(Target(f"peak tree memory {name}", worst, PEAK_TREE_MB, "MB", where))
    for db in (t for t in ("sqlite", "postgres") if t + BASELINE_SUFFIX in tools):
        found.extend(_against_baseline(results, variants, db))
    for variant in variants:
        found.append(
            _ratio(
                results,
                f"bare feedparser / newsboat cold, {variant} (reference)",
                (variant, "feedparser", "cold"),
                (variant, "newsboat", "cold"),
                none,
            )
        )
    return [t for t in found if t is not None]


def _against_baseline(results: Results, variants: Sequence[str], db: str) -> list[Target | None]:
    """This code's runs over the --baseline worktree's: wall time per round's pair, and the
    median peak memory of each."""
    name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[db]
    base = db + BASELINE_SUFFIX
    none = float("inf")
    found: list[Target | None] = []
    for variant in variants:
        for phase in ("cold", "warm"):
            label = f"{phase} {name} / baseline, {variant}"
            found.append(_ratio(results, label, (variant, db, phase), (variant, base, phase), none))
            ours = [m.peak_mb for m in results.good((variant, db, phase)) if m.peak_mb]
            theirs = [m.peak_mb for m in results.good((variant, base, phase)) if m.peak_mb]
            if ours and theirs:
                a, b = statistics.median(ours), statistics.median(theirs)
                detail = f"{a:.0f} MB against {b:.0f} MB"
                found.append(Target(f"peak memory {label}", a / b, none, "x", detail))
    return found


def print_targets(found: list[Target]) -> bool:
    """Print the ratios and targets; True when one was missed."""
    print(
        "\nratios: median over rounds of each round's pair of runs; "
        "warm: median wall; memory: the worst run"
    )
    missed = False
    for t in found:
        if t.value is not None:
            print(f"  {t.label}: {t.shown(t.value)} ({t.detail}){t.goal}")
    for t in found:
        if t.missed:
            missed = True
            print(f"MISSED: {t.label}: {t.shown(t.value)}{t.goal}")
    return missed


# ============================================================== main


def _only(values: list[str] | None) -> list[str]:
    if not values:
        return list(TOOLS)
    chosen = {v.strip() for value in values for v in value.split(",") if v.strip()}
    unknown = chosen - set(TOOLS)
    if unknown:
        raise SystemExit(f"--only: unknown {', '.join(sorted(unknown))}; use {', '.join(TOOLS)}")
    return [t for t in TOOLS if t in chosen]


def serve_only(feeds: dict[str, list[Feed]], n_hosts: int, anchor: datetime, out: Path) -> None:
    """Serve the farm until interrupted, with a policybrief config and a newsboat urls file for
    each variant in `out`, so one run can be profiled by hand."""
    farm = Farm([f for fs in feeds.values() for f in fs], n_hosts, anchor)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for variant, vfeeds in feeds.items():
            urls = farm.urls(vfeeds)
            (out / f"{variant}.toml").write_text(sources_toml(urls), encoding="utf-8")
            (out / f"{variant}.urls").write_text("\n".join(urls) + "\n", encoding="utf-8")
        print(f"serving on {farm.hosts[0]}..{farm.hosts[-1]} port {farm.port}; for example:")
        print(
            f"  DATABASE_URL=sqlite:///$(mktemp -d)/pb.db POLICYBRIEF_CONFIG={out}/"
            f"{next(iter(feeds))}.toml POLICYBRIEF_FETCH_ALLOW={farm.allow} "
            f"{VENV_BIN / 'policybrief'} poll --all",
            flush=True,
        )
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    finally:
        farm.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=None, help="feeds in the farm (default 200)")
    ap.add_argument("--items", type=int, default=50, help="items per feed")
    ap.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3)")
    ap.add_argument("--hosts", type=int, default=20, help="loopback addresses serving the feeds")
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument(
        "--only", action="append", help="tools to run, comma-separated: " + ", ".join(TOOLS)
    )
    ap.add_argument("--variant", choices=VARIANTS, help="one text variant (default both)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 10 feeds, one round")
    ap.add_argument(
        "--newsboat-threads",
        type=int,
        default=os.cpu_count() or 1,
        help="newsboat's reload-threads (default: the number of cores)",
    )
    ap.add_argument(
        "--pg-url",
        default=os.environ.get("POLICYBRIEF_TEST_POSTGRES_URL"),
        help="PostgreSQL URL (default POLICYBRIEF_TEST_POSTGRES_URL); a schema per run",
    )
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument(
        "--baseline",
        type=Path,
        metavar="WORKTREE",
        help="also run the policybrief of WORKTREE/.venv after each policybrief run (A/B)",
    )
    ap.add_argument(
        "--serve",
        type=Path,
        metavar="DIR",
        help="only serve the farm (for profiling): write its source lists into DIR and wait",
    )
    args = ap.parse_args(argv)
    n_feeds = args.feeds or (10 if args.quick else 200)
    rounds = args.rounds or (1 if args.quick else 3)
    variants = [args.variant] if args.variant else list(VARIANTS)
    wanted = _only(args.only)

    # Feed dates count back from the current hour: policybrief clusters within 72 h of now
    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    started = time.perf_counter()
    feeds = {v: make_feeds(v, n_feeds, args.items, args.seed, anchor) for v in variants}
    size = sum(len(f.body) for fs in feeds.values() for f in fs) / 1e6
    print(
        f"farm: {n_feeds} feeds x {args.items} items, {', '.join(variants)} "
        f"({size:.1f} MB, seed {args.seed}, made in {time.perf_counter() - started:.1f} s); "
        f"{rounds} round(s), {os.cpu_count()} cores"
    )

    if args.serve:
        serve_only(feeds, min(args.hosts, n_feeds), anchor, args.serve)
        return 0

    candidates: dict[str, Runner] = {
        "newsboat": Newsboat(args.newsboat_threads),
        "feedparser": BareFeedparser(),
        "sqlite": Policybrief("sqlite"),
        "postgres": Policybrief("postgres", args.pg_url),
    }
    runners = []
    for name in wanted:
        chosen = [candidates[name]]
        if args.baseline and name in ("sqlite", "postgres"):
            chosen.append(Policybrief(name, args.pg_url, args.baseline.resolve()))
        for runner in chosen:
            why_not = runner.available()
            if why_not:
                print(f"SKIPPED: {TOOL_TITLES[runner.name]}: {why_not}")
            else:
                runners.append(runner)
    if "newsboat" in [r.name for r in runners]:
        print(f"newsboat: reload-threads {args.newsboat_threads}")

    farm = Farm([f for fs in feeds.values() for f in fs], min(args.hosts, n_feeds), anchor)
    print(f"serving on {farm.hosts[0]}..{farm.hosts[-1]} port {farm.port}", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="pb-farm-") as tmp:
            results = run_rounds(runners, feeds, farm, rounds, Path(tmp))
    finally:
        farm.close()

    shown = [r.name for r in runners]
    print_table(results, variants, shown)
    load = os.getloadavg()
    cores = os.cpu_count() or 1
    print(
        f"\nload average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {cores} cores"
    )
    if max(load[:2]) > cores:
        print(
            "NOTE: other processes kept this machine busy: wall times and their ratios are "
            "inflated and noisy (the CPU ratios shown beside them hold better)"
        )
    missed = print_targets(targets(results, variants, shown))
    for error in results.errors:
        print(f"ERROR: {error}")
    return 1 if args.check and (missed or results.errors) else 0


if __name__ == "__main__":
    sys.exit(main())
