"""Fake Publishers for delivery tests.

`MemoryPublisher` keeps messages in memory and can be told to fail. `TablePublisher` records into
tables of the test database, so several processes share one record. Both drop a second send with
a key they have seen, as Discord does with a message nonce (enforce_nonce), and return the first
message's id: "delivered" means one message per key however often a sender retries.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import text

from bot.publisher import Recipient, Sent
from core.document import Document
from storage.db import Database

__all__ = ["MemoryPublisher", "TablePublisher", "Posted"]


@dataclass
class Posted:
    target: Recipient
    document: Document
    key: str
    message_id: str


@dataclass
class MemoryPublisher:
    """In-memory; `failures[target_id]` is a list of exceptions raised by the next sends there."""

    platform: str = "slack"
    messages: list[Posted] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)
    failures: dict[str, list[Exception]] = field(default_factory=lambda: defaultdict(list))

    async def send(self, target: Recipient, document: Document, *, key: str) -> Sent:
        self.attempts.append(key)
        queue = self.failures.get(target.id)
        if queue:
            raise queue.pop(0)
        for posted in self.messages:
            if posted.key == key:  # the nonce was seen: no second message
                return Sent(posted.message_id, target.id)
        message_id = f"m{len(self.messages) + 1}"
        self.messages.append(Posted(target, document, key, message_id))
        return Sent(message_id, target.id)

    async def pin(self, channel_id: str, message_id: str) -> None:
        return None

    def keys(self) -> list[str]:
        return [p.key for p in self.messages]


TABLES = """
CREATE TABLE IF NOT EXISTS fake_messages (
    key TEXT NOT NULL, target TEXT NOT NULL, message_id TEXT NOT NULL, pid INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fake_attempts (key TEXT NOT NULL, pid INTEGER NOT NULL)
"""


def create_tables(db: Database) -> None:
    with db.engine.begin() as conn:
        for stmt in TABLES.split(";"):
            if stmt.strip():
                conn.execute(text(stmt))


class TablePublisher:
    """Records every attempt and (deduplicated by key) every message in the database."""

    def __init__(self, db: Database, platform: str = "slack", hooks: object = None) -> None:
        self.db = db
        self.platform = platform
        self.hooks = hooks  # object with before_send(key) / after_send(key), for crash tests

    async def send(self, target: Recipient, document: Document, *, key: str) -> Sent:
        if self.hooks is not None:
            self.hooks.before_send(key)  # type: ignore[attr-defined]
        pid = os.getpid()
        with self.db.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO fake_attempts (key, pid) VALUES (:k, :p)"), {"k": key, "p": pid}
            )
            found = conn.execute(
                text("SELECT message_id FROM fake_messages WHERE key = :k"), {"k": key}
            ).first()
            if found is None:
                message_id = f"{pid}-{key}"
                conn.execute(
                    text(
                        "INSERT INTO fake_messages (key, target, message_id, pid) "
                        "VALUES (:k, :t, :m, :p)"
                    ),
                    {"k": key, "t": target.id, "m": message_id, "p": pid},
                )
            else:
                message_id = str(found[0])
        if self.hooks is not None:
            self.hooks.after_send(key)  # type: ignore[attr-defined]
        return Sent(message_id, target.id)

    async def pin(self, channel_id: str, message_id: str) -> None:
        return None


def messages_per_key(db: Database) -> dict[str, int]:
    with db.engine.begin() as conn:
        rows = conn.execute(text("SELECT key, COUNT(*) FROM fake_messages GROUP BY key")).all()
    return {str(k): int(n) for k, n in rows}


def attempts_per_key(db: Database) -> dict[str, int]:
    with db.engine.begin() as conn:
        rows = conn.execute(text("SELECT key, COUNT(*) FROM fake_attempts GROUP BY key")).all()
    return {str(k): int(n) for k, n in rows}
