"""Every way a source comes in runs the same checks before anything is saved (issue 14, items 11
and 12): `sources import`, `sources add` (CLI and chat), the config file and the default sources.

Refused: non-public addresses and odd ports (unless POLICYBRIEF_FETCH_ALLOW allows them), OPML
with any DOCTYPE in any encoding. One source per feed whatever the spelling. Passwords in feed
addresses are stored apart, masked wherever they would show, never logged, and sent only to the
feed's own host.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.app import default_seed
from bot.cli import app
from bot.settings import load_settings
from core.source_url import canonical_url, mask_credentials, split_source_url
from core.sources import NewSource
from digest.ingest.defaults import SourcesConfigError
from digest.ingest.fetch import Fetcher
from digest.ingest.opml import OpmlError, parse_opml
from digest.ingest.probe import ProbeResult
from handlers.base import Role
from storage.db import Database
from storage.models import Source
from storage.store import Storage
from tests.fakechat import FakeChat
from tests.fetchkit import FEED, LocalServer, Request, respond

runner = CliRunner()
PRIVATE = [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata service"),
    ("http://127.0.0.1:22/feed", "port 22 is not allowed"),
    ("http://localhost:6379/feed", "port 6379 is not allowed"),
    ("http://127.0.0.1:5432/feed", "port 5432 is not allowed"),
    ("http://localhost/feed", "localhost is this machine, not a public address"),
]
SPELLINGS = [
    "https://feeds.example.org/policy/rss",
    "HTTPS://Feeds.Example.ORG:443/policy/rss",
    "https://feeds.example.org//policy/./rss",
    "https://feeds.example.org/policy/rss#latest",
    "https://reader:s3cret-pw@feeds.example.org/policy/rss",
]


def invoke(args: list[str], env: dict[str, str]):
    return runner.invoke(app, args, env=env, catch_exceptions=False)


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "POLICYBRIEF_SEED_SOURCES": "false"}


def stored(env: dict[str, str]) -> list[Source]:
    db = Database(env["DATABASE_URL"])
    try:
        db.upgrade()  # a refused command may never have created the file
        with db.session() as session:
            return list(session.exec(select(Source).order_by(Source.id)).all())
    finally:
        db.dispose()


def opml(tmp_path: Path, *urls: str, encoding: str = "utf-8") -> Path:
    outlines = "".join(f'<outline text="Feed {n}" xmlUrl="{u}"/>' for n, u in enumerate(urls))
    path = tmp_path / "feeds.opml"
    head = f'<?xml version="1.0" encoding="{encoding}"?>'
    path.write_bytes(f"{head}<opml version='2.0'><body>{outlines}</body></opml>".encode(encoding))
    return path


# --- sources import ------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "why"), PRIVATE)
def test_import_refuses_private_addresses_and_imports_the_rest(env, tmp_path, url, why):
    result = invoke(["sources", "import", str(opml(tmp_path, "https://ok.example/feed", url))], env)
    assert result.exit_code == 1
    assert why in result.output
    assert "Imported 1 sources (0 already present, 1 refused)." in result.output
    assert [s.url for s in stored(env)] == ["https://ok.example/feed"]


def test_import_takes_a_private_address_that_fetch_allow_allows(env, tmp_path):
    allowed = {**env, "POLICYBRIEF_FETCH_ALLOW": "127.0.0.1:5432,localhost:6379"}
    path = opml(tmp_path, "http://127.0.0.1:5432/feed", "http://localhost:6379/feed")
    assert "Imported 2 sources" in invoke(["sources", "import", str(path)], allowed).output


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be", "utf-16-le"])
def test_opml_with_a_doctype_is_refused_in_any_encoding(env, tmp_path, encoding):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        '<opml><body><outline text="&c;" xmlUrl="https://x.example/&c;"/></body></opml>'
    )
    data = bomb.encode(encoding)
    if encoding == "utf-16":
        assert data[:2] in (b"\xff\xfe", b"\xfe\xff")  # with a BOM
    with pytest.raises(OpmlError, match="DOCTYPE and entity declarations are not accepted"):
        parse_opml(data)
    path = tmp_path / "bomb.opml"
    path.write_bytes(data)
    result = invoke(["sources", "import", str(path)], env)
    assert result.exit_code == 1 and "nothing was imported" in result.output
    assert "aaaaaaaaaa" not in result.output
    assert stored(env) == []


def test_utf16_opml_without_a_doctype_imports(env, tmp_path):
    path = opml(tmp_path, "https://a.example/feed", encoding="utf-16")
    assert "Imported 1 sources" in invoke(["sources", "import", str(path)], env).output


# --- one source per feed -------------------------------------------------------------------------


def test_every_spelling_of_one_feed_is_one_source(env, tmp_path):
    assert len({canonical_url(u) for u in SPELLINGS}) == 1
    result = invoke(["sources", "import", str(opml(tmp_path, *SPELLINGS))], env)
    assert "Imported 1 sources (4 already present, 0 refused)" in result.output
    (source,) = stored(env)
    assert source.url == "https://feeds.example.org/policy/rss"
    for spelling in SPELLINGS:
        again = invoke(["sources", "add", spelling], env)
        assert again.exit_code == 1
        assert "already a source: #1" in again.output


def test_chat_add_refuses_another_spelling_and_private_addresses(db):
    chat = FakeChat(db)
    chat.services.probe = Probe()
    assert chat.say(f"/sources add {SPELLINGS[0]}", as_=Role.ADMIN).document.kind != "error"
    for spelling in SPELLINGS[1:-1]:
        reply = chat.say(f"/sources add {spelling}", as_=Role.ADMIN)
        assert reply.document.title == "that feed is already a source: #1 Feed title"
    # read with a password, the same address is another fetch: never shared with a workspace
    # that follows it without one (or with another password)
    with_password = chat.say(f"/sources add {SPELLINGS[-1]}", as_=Role.ADMIN).document
    assert with_password.title == "Added source #2: Feed title"
    Storage(db).sources.remove(2)
    for url, why in PRIVATE:
        reply = chat.say(f"/sources add {url}", as_=Role.ADMIN)
        assert reply.document.kind == "error" and why in reply.document.title
    assert len(Storage(db).sources.all()) == 1
    # refused ones were never fetched
    assert chat.services.probe.urls == [SPELLINGS[0], SPELLINGS[-1]]


def test_config_file_sources_are_checked_and_deduplicated(tmp_path):
    config = tmp_path / "policybrief.toml"
    entries = [*SPELLINGS[:2], "http://169.254.169.254/latest"]
    config.write_text(
        "".join(f'[[source]]\nname = "Feed {n}"\nurl = "{u}"\n\n' for n, u in enumerate(entries))
    )
    settings = load_settings(config_path=config, seed_sources=True)
    seed = default_seed(settings)
    assert seed is not None
    with pytest.raises(SourcesConfigError, match="source 3: refused: 169.254.169.254"):
        seed()
    config.write_text(
        "".join(f'[[source]]\nname = "Feed {n}"\nurl = "{u}"\n\n' for n, u in enumerate(SPELLINGS))
    )
    db = Database(f"sqlite:///{tmp_path / 'seeded.db'}")
    try:
        from storage.setup import upgrade

        upgrade(db, seed)
        (source,) = Storage(db).sources.all()
        assert source.url == "https://feeds.example.org/policy/rss"
    finally:
        db.dispose()


# --- passwords -----------------------------------------------------------------------------------

SECRET_URL = "https://bob:hunter2-pw@feeds.example.org/members/rss"
SHOWN = "https://bob:\u2022\u2022\u2022@feeds.example.org/members/rss"


class Probe:
    def __init__(self, error: Exception | None = None) -> None:
        self.urls: list[str] = []
        self.error = error

    async def __call__(self, url: str) -> ProbeResult:
        self.urls.append(url)
        if self.error is not None:
            raise self.error
        return ProbeResult(title="Feed title", item_count=3, url=url)


def test_passwords_are_stored_apart_and_never_shown(db, caplog, env, tmp_path):
    from digest.ingest.fetch import FetchError

    caplog.set_level(logging.DEBUG)
    chat = FakeChat(db)
    chat.services.probe = Probe(FetchError("HTTP 401 (the server wants a login)", kind="http"))
    refused = chat.say(f"/sources add {SECRET_URL}", as_=Role.ADMIN)
    assert refused.document.title == f"{SHOWN}: not added — HTTP 401 (the server wants a login)"
    chat.services.probe = Probe()
    added = chat.say(f"/sources add {SECRET_URL} Members", as_=Role.ADMIN)
    assert added.document.sections[0].lines[0] == SHOWN
    assert chat.services.probe.urls == [SECRET_URL]  # the fetch gets the password
    listed = chat.say("/sources list", as_=Role.ADMIN).document.sections[0].lines
    assert listed == [f"#1  Members  {SHOWN}  (this workspace's own)"]
    with db.session() as session:
        row = session.exec(select(Source)).one()
    assert row.url == "https://feeds.example.org/members/rss"
    assert row.credentials == "bob:hunter2-pw"
    (target,) = Storage(db).ingest.poll_targets([row.id]).values()
    assert target.url == SECRET_URL
    everything = " ".join(str(x.reply.document) for x in chat.log) + caplog.text
    assert "hunter2" not in everything


def test_export_masks_passwords_and_reads_its_own_export_back(env, tmp_path):
    assert invoke(["sources", "import", str(opml(tmp_path, SECRET_URL))], env).exit_code == 0
    listed = invoke(["sources", "list"], env).output
    exported = invoke(["sources", "export"], env).output
    assert "hunter2" not in listed + exported
    assert 'xmlUrl="https://bob:\u2022\u2022\u2022@feeds.example.org/members/rss"' in exported
    back = tmp_path / "back.opml"
    back.write_text(exported, encoding="utf-8")
    assert (
        "Imported 0 sources (1 already present, 0 refused)"
        in invoke(["sources", "import", str(back)], env).output
    )
    (source,) = stored(env)
    assert source.credentials == "bob:hunter2-pw"  # the masked copy did not overwrite it
    elsewhere = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"}
    result = invoke(["sources", "import", str(back)], elsewhere)
    assert result.exit_code == 1 and "its password was masked when it was exported" in result.output


def test_credentials_in_error_text_are_masked():
    text = "cannot fetch https://bob:hunter2@h.example/feed (see http://tok3n@x.example/)"
    assert mask_credentials(text) == (
        "cannot fetch https://bob:\u2022\u2022\u2022@h.example/feed (see http://\u2022\u2022\u2022@x.example/)"
    )
    assert "hunter2" not in repr(split_source_url(SECRET_URL))
    assert "hunter2" not in repr(NewSource("u", "n", credentials="bob:hunter2"))


async def test_credentials_are_sent_to_the_feeds_host_only(sqlite_db):
    other = LocalServer()
    seen: dict[str, str | None] = {}

    async def elsewhere(request: Request, writer: asyncio.StreamWriter) -> None:
        seen["elsewhere"] = request.headers.get("authorization")
        await respond(writer, 200, FEED, {"Content-Type": "application/rss+xml"})

    async def members(request: Request, writer: asyncio.StreamWriter) -> None:
        seen["members"] = request.headers.get("authorization")
        await respond(writer, 302, headers={"Location": f"{other.base}/moved"})

    other.routes["/moved"] = elsewhere
    await other.start()
    home = await LocalServer({"/members": members}).start()
    try:
        key = f"{home.base}/members"
        source = Storage(sqlite_db).sources.add(
            NewSource(key, "Members", credentials="bob:hunter2")
        )
        (target,) = Storage(sqlite_db).ingest.poll_targets([source.id]).values()
        async with Fetcher(allow=[home.hostport, other.hostport]) as fetcher:
            result = await fetcher.fetch(target.url)
    finally:
        await home.stop()
        await other.stop()
    assert result.status == 200
    assert seen["members"] == "Basic " + base64.b64encode(b"bob:hunter2").decode()
    assert seen["elsewhere"] is None  # the redirect to another server carried no password


def test_a_password_in_a_logged_url_is_masked():
    from bot.ops import SecretFilter

    record = logging.LogRecord(
        "policybrief", logging.WARNING, __file__, 1, "fetching %s failed", (SECRET_URL,), None
    )
    SecretFilter().filter(record)
    assert record.getMessage() == f"fetching {SHOWN} failed"


def test_the_migration_moves_credentials_out_and_canonicalises_stored_urls(tmp_path):
    from alembic import command
    from sqlalchemy import text

    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(db._alembic_config(), "0002")  # a database from before this change
    with db.engine.begin() as conn:
        for n, url in enumerate(
            [SECRET_URL, "HTTP://Old.Example:80//feed#x", "http://old.example/feed"]
        ):
            conn.execute(
                text(
                    "INSERT INTO sources (url, name, official, enabled, interval_minutes, "
                    "consecutive_failures, created_at) VALUES (:u, :n, 0, 1, 15, 0, '2026-01-01')"
                ),
                {"u": url, "n": f"S{n}"},
            )
    db.upgrade()
    with db.session() as session:
        rows = {s.name: (s.url, s.credentials) for s in session.exec(select(Source)).all()}
    db.dispose()
    assert rows["S0"] == ("https://feeds.example.org/members/rss", "bob:hunter2-pw")
    # two spellings of one feed already stored: both stay (an admin removes one), nothing is lost
    assert rows["S1"] == ("HTTP://Old.Example:80//feed#x", None)
    assert rows["S2"] == ("http://old.example/feed", None)
