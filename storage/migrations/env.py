"""Alembic environment: runs on the engine handed over by storage.db.Database."""

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)
from storage.search_index import is_index_object

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from sqlalchemy import create_engine

        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("run migrations through storage.db.Database.upgrade()")
        engine = create_engine(url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            # the word index (migration 0020) is SQL no model declares
            include_name=lambda name, type_, _parent: not is_index_object(name, type_),
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
