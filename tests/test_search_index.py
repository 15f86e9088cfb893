"""The word index behind free-word search (migration 0020): it follows every write to items and
stories (new, edited, removed, merged), an existing database gets it built on upgrade, and it
never hides a story the exact match finds."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select, text, update

import storage.search
from core.query import Query, Term
from digest.ingest.pipeline import PipelineContext, ingest_bytes
from digest.judgement.query import parse_query
from storage.db import Database
from storage.models import Item, Story
from storage.search import query_condition
from storage.search_index import WordCounts
from storage.store import Storage
from tests.conftest import pg_database, postgres_url, reset_pg_schema
from tests.fakechat import NOW, FakeChat, seed_story, taxonomy

SINCE = NOW - timedelta(days=30)
ITEMS = Item.__table__  # type: ignore[attr-defined]
STORIES = Story.__table__  # type: ignore[attr-defined]


def found(db: Database, query: str) -> list[int]:
    """Ids of the stories `/watch test <query>` lists, newest first."""
    return [h.id for h in Storage(db).stories.matching(SINCE, parse_query(query))]


def index_is_sound(db: Database) -> None:
    """SQLite: FTS5's own check that the index holds exactly what the tables hold.
    PostgreSQL: the generated columns are the database's to keep (nothing to check)."""
    if db.is_sqlite:
        with db.engine.begin() as conn:
            for name in ("search_items", "search_stories"):
                conn.execute(text(f"INSERT INTO {name} ({name}) VALUES ('integrity-check')"))


def feed(coupang_text: str, title: str = "Coupang fined over data leak") -> bytes:
    return f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example.org/</link>
<description>x</description>
<item><title>{title}</title><link>https://wire.example.org/coupang</link>
<guid>wire-coupang</guid><pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate>
<description>{coupang_text}</description></item>
</channel></rss>""".encode()


def add_source(db: Database, url: str, name: str) -> int:
    from storage.models import Source

    with db.session() as session:
        src = Source(url=url, name=name, created_at=NOW - timedelta(days=30))
        session.add(src)
        session.flush()
        assert src.id is not None
        return src.id


def test_new_edited_and_removed_items_are_searched_by_their_current_words(db):
    ctx = PipelineContext(
        store=Storage(db), fetcher=None, load_taxonomy=taxonomy, clock=lambda: NOW
    )  # type: ignore[arg-type]
    source = add_source(db, "https://wire.example.org/rss", "Wire")
    first = ingest_bytes(ctx, source, feed("The regulator cited the tribunal's ruling."))
    (story,) = first.new_story_ids
    assert found(db, "tribunal ruling") == [story]
    assert found(db, "appeal tribunal") == []
    index_is_sound(db)

    # the feed edits the item: the old words no longer find it, the new ones do
    edited = ingest_bytes(ctx, source, feed("Coupang will appeal to the tribunal."))
    assert edited.results[0].updated_items == 1
    assert found(db, "appeal tribunal") == [story]
    assert found(db, "tribunal ruling") == []
    index_is_sound(db)

    # the source goes, and its item and story with it
    assert Storage(db).sources.remove(source)
    assert found(db, "appeal tribunal") == [] and found(db, "coupang") == []
    index_is_sound(db)


def test_edited_headlines_and_merged_stories(db):
    kept = seed_story(db, "Ofcom opens an inquiry", "The regulator wants answers from Roblox.")
    gone = seed_story(db, "Roblox answers Ofcom", "Age checks for teenagers promised.")
    assert found(db, "age checks") == [gone]
    for headline in ("Ofcom fines Zeta", "Ofcom fines"):
        with db.engine.begin() as conn:
            conn.execute(update(STORIES).where(STORIES.c.id == kept).values(headline=headline))
        assert found(db, '"ofcom fines"') == [kept]  # words only the headline holds
    assert found(db, "zeta") == []  # the earlier headline's word left with it
    index_is_sound(db)

    # a merge as Storage.ingest.apply writes it: the items move to the survivor, the emptied
    # story points at it; the merged story's words now find the survivor, and only it
    with db.engine.begin() as conn:
        conn.execute(update(ITEMS).where(ITEMS.c.story_id == gone).values(story_id=kept))
        conn.execute(update(STORIES).where(STORIES.c.id == gone).values(merged_into=kept))
    assert found(db, "age checks") == [kept]
    assert found(db, "teenagers ofcom") == [kept]
    index_is_sound(db)

    # stories deleted outright (a source removed, a workspace purged) leave the index too
    with db.engine.begin() as conn:
        conn.execute(ITEMS.delete())
        conn.execute(STORIES.delete())
    assert found(db, "ofcom") == []
    index_is_sound(db)


def test_watch_test_requires_every_word(db):
    both = seed_story(db, "Meta rules on teen accounts", "New rules for Meta's platforms.")
    seed_story(db, "Meta earnings", "Revenue up.")
    seed_story(db, "EU rules on batteries", "Recycling targets.")
    reply = FakeChat(db).say("/watch test meta rules")
    assert reply.document.title == "/watch test meta rules: 1 matches in the last 30 days"
    assert reply.document.sections[0].lines[0].endswith("Meta rules on teen accounts")
    assert found(db, '"meta rules"') == [both]  # the phrase, in the headline
    assert found(db, '"meta platforms"') == [both]  # across a possessive
    assert found(db, "meta -earnings") == [both]


# --- the index never hides a match ------------------------------------------------------------

# Words and separators chosen to meet the edges: plurals, possessives, underscores, digits,
# hosts, non-ASCII letters and case (ß, İ, the Kelvin sign), combining marks, a soft hyphen.
VOCAB = [
    "meta",
    "rule",
    "rules",
    "policy",
    "policies",
    "box",
    "boxes",
    "fine",
    "data",
    "16s",
    "stop",
]
NOISE = [
    "straße",
    "İstanbul",
    "\u212aelvin",
    "café",
    "e\u0301",
    "Δίκη",
    "데이터",
    "regu\u00adlator",
    "ſtop",
]
GLUE = [" ", " ", " ", ", ", "'s ", "’s ", "_", "-", ".", "/", "\n", " (", ") ", "."]


def random_text(rng: random.Random) -> str:
    words = []
    for _ in range(rng.randint(1, 12)):
        word = rng.choice(VOCAB) if rng.random() < 0.7 else rng.choice(NOISE)
        word = rng.choice([word, word.upper(), word.capitalize()])
        words.append(word + rng.choice(GLUE))
    return "".join(words)


def random_query(rng: random.Random) -> str:
    def atom() -> str:
        if rng.random() < 0.3:
            return '"' + " ".join(rng.choice(VOCAB) for _ in range(2)) + '"'
        return rng.choice(VOCAB)

    parts = [atom() for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.3:
        parts.append(f"{atom()} OR {atom()}")
    if rng.random() < 0.2:
        parts.append("-" + rng.choice(VOCAB))
    return " ".join(parts)


def matches(db: Database, query: Query, *, use_index: bool) -> set[int]:
    with db.engine.connect() as conn:
        stmt = select(STORIES.c.id).where(query_condition(query, conn, use_index=use_index))
        return {sid for (sid,) in conn.execute(stmt)}


def test_the_index_never_hides_a_story_the_exact_match_finds(db):
    rng = random.Random(19)
    for n in range(60):
        seed_story(db, random_text(rng), random_text(rng), when=NOW - timedelta(minutes=n))
    index_is_sound(db)
    for _ in range(150):
        line = random_query(rng)
        query = parse_query(line)
        assert matches(db, query, use_index=True) == matches(db, query, use_index=False), line


def test_common_words_are_walked_and_still_find_every_match(db, monkeypatch):
    """Words held by more rows than the walk limit are asked story by story, newest first,
    instead of as the set of every story holding them: /brief lists the same stories."""
    rng = random.Random(23)
    for n in range(60):
        seed_story(db, random_text(rng), random_text(rng), when=NOW - timedelta(minutes=n))
    with db.engine.begin() as conn:
        if not db.is_sqlite:
            conn.exec_driver_sql("ANALYZE items, stories")
        counts = WordCounts(conn)
        common = max(VOCAB, key=lambda word: counts.rows_holding(Term((word,))))
        holding = counts.rows_holding(Term((common,)))
        # every table has 60 rows: the statistics see the word in a good share of them
        assert 10 <= holding <= 120, (common, holding)
        assert counts.rows_holding(Term(("zzunseen",))) == 0
    monkeypatch.setattr(storage.search, "WALK_LIMIT", holding - 1)
    for _ in range(120):
        line = f"{common} {random_query(rng)}"
        query = parse_query(line)
        assert matches(db, query, use_index=True) == matches(db, query, use_index=False), line
        listed = [h.id for h in Storage(db).stories.matching(SINCE, query)]
        assert set(listed) == matches(db, query, use_index=False), line


# --- the migration on a database with data --------------------------------------------------


def _upgrade_with_data(db: Database) -> None:
    config = db._alembic_config()
    before = ScriptDirectory.from_config(config).get_revision("0020").down_revision
    assert isinstance(before, str)
    command.upgrade(config, before)
    kept = seed_story(db, "Coupang fined", "The KFTC fined Coupang over data rules.")
    seed_story(db, "Other news", "Nothing to see.")
    with db.engine.connect() as conn:
        assert conn.execute(select(STORIES.c.id)).all()  # the rows exist before the index
    assert db.upgrade()
    assert found(db, "coupang rules") == [kept]
    index_is_sound(db)
    # and back down, and up again
    command.downgrade(config, before)
    command.upgrade(config, "head")
    assert found(db, "kftc fined") == [kept]
    index_is_sound(db)


def test_the_migration_indexes_the_stories_already_stored_sqlite(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        _upgrade_with_data(db)
    finally:
        db.dispose()


@pytest.mark.skipif(not postgres_url(), reason="needs POLICYBRIEF_TEST_POSTGRES_URL")
def test_the_migration_indexes_the_stories_already_stored_postgres():
    schema = "pb_search_migration"
    reset_pg_schema(schema)
    db = pg_database(schema)
    try:
        _upgrade_with_data(db)
    finally:
        db.dispose()
        reset_pg_schema(schema)
