"""search index: a word index over headlines, item titles and item texts for free-word search

SQLite: two FTS5 tables with external content (`search_items` over items, `search_stories` over
stories) kept in sync by triggers, and their vocabularies (`*_terms`: how many rows hold a
word). PostgreSQL: a generated column `search_words` on items and stories (the text's words as
a tsvector, by the immutable `pb_search_words`) with a GIN index, so the database keeps it in
sync. Both are built for the rows already stored.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Case folds, diacritics kept, every character but a letter or digit splits words: a word the
# search's regular expression finds between non-word characters is one FTS token here.
# detail=none: the search asks which rows hold a word, never where.
_TOKENIZE = "tokenize = \"unicode61 remove_diacritics 0 categories 'L* N*'\", detail = none"

_SQLITE = [
    "CREATE VIRTUAL TABLE search_items USING fts5(title, text, content = 'items', "
    f"content_rowid = 'id', {_TOKENIZE})",
    "CREATE VIRTUAL TABLE search_stories USING fts5(headline, content = 'stories', "
    f"content_rowid = 'id', {_TOKENIZE})",
    """CREATE TRIGGER search_items_insert AFTER INSERT ON items BEGIN
        INSERT INTO search_items (rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER search_items_delete AFTER DELETE ON items BEGIN
        INSERT INTO search_items (search_items, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER search_items_update AFTER UPDATE OF title, text ON items BEGIN
        INSERT INTO search_items (search_items, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO search_items (rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER search_stories_insert AFTER INSERT ON stories BEGIN
        INSERT INTO search_stories (rowid, headline) VALUES (new.id, new.headline);
    END""",
    """CREATE TRIGGER search_stories_delete AFTER DELETE ON stories BEGIN
        INSERT INTO search_stories (search_stories, rowid, headline)
        VALUES ('delete', old.id, old.headline);
    END""",
    """CREATE TRIGGER search_stories_update AFTER UPDATE OF headline ON stories BEGIN
        INSERT INTO search_stories (search_stories, rowid, headline)
        VALUES ('delete', old.id, old.headline);
        INSERT INTO search_stories (rowid, headline) VALUES (new.id, new.headline);
    END""",
    # how many rows hold a word (a lookup), so a query knows a common word from a rare one
    "CREATE VIRTUAL TABLE search_items_terms USING fts5vocab(search_items, row)",
    "CREATE VIRTUAL TABLE search_stories_terms USING fts5vocab(search_stories, row)",
    # index the rows already stored
    "INSERT INTO search_items (search_items) VALUES ('rebuild')",
    "INSERT INTO search_stories (search_stories) VALUES ('rebuild')",
]

_SQLITE_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS search_{table}_{event}"
        for table in ("items", "stories")
        for event in ("insert", "delete", "update")
    ),
    "DROP TABLE IF EXISTS search_items_terms",
    "DROP TABLE IF EXISTS search_stories_terms",
    "DROP TABLE IF EXISTS search_items",
    "DROP TABLE IF EXISTS search_stories",
]

# Every run of characters that is not a letter or digit becomes a space before the parser
# reads the text, so `meta.com` or `meta_rules` give the words the regular expression sees
# (the parser would otherwise keep a host or an underscore word whole). Positions are
# stripped: the search asks which rows hold a word, and the tsvector stays small.
_WORDS = (
    "strip(to_tsvector('simple'::regconfig, "
    "regexp_replace({}, '[^[:alnum:]]+', ' ', 'g')))"
)

_POSTGRES = [
    f"""CREATE FUNCTION pb_search_words(body text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT {_WORDS.format("body")} $$""",
    # Stored, not an index on the expression: a word in most rows makes the planner scan the
    # table, and computing every row's words there would cost seconds at 100,000 rows.
    "ALTER TABLE items ADD COLUMN search_words tsvector "
    "GENERATED ALWAYS AS (pb_search_words(title || ' ' || text)) STORED",
    "ALTER TABLE stories ADD COLUMN search_words tsvector "
    "GENERATED ALWAYS AS (pb_search_words(headline)) STORED",
    "CREATE INDEX ix_items_search ON items USING gin (search_words)",
    "CREATE INDEX ix_stories_search ON stories USING gin (search_words)",
    # the planner's statistics for the new columns, so it knows how common a word is
    "ANALYZE items",
    "ANALYZE stories",
]

_POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_items_search",
    "DROP INDEX IF EXISTS ix_stories_search",
    "ALTER TABLE items DROP COLUMN IF EXISTS search_words",
    "ALTER TABLE stories DROP COLUMN IF EXISTS search_words",
    "DROP FUNCTION IF EXISTS pb_search_words(text)",
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE if sqlite else _POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_DOWN if sqlite else _POSTGRES_DOWN:
        op.execute(statement)
