"""Who the bot is in each workspace: one bot token, or OAuth installations stored in our database.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set, Bolt runs the OAuth install flow
(`/slack/install`, `/slack/oauth_redirect`) and keeps installations with slack_sdk's SQLAlchemy
stores in our own database: storage lends them its engine (`Storage.engine`), and they keep their
own tables, so no SQL of ours is written here. Those stores are synchronous (they use
`engine.begin()` / `conn.execute()`, which SQLAlchemy 2.1 supports; the module imports
`sqlalchemy.ext.asyncio`, hence the greenlet dependency); the async wrappers here run them in a
worker thread so the event loop never blocks on the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from logging import Logger, getLogger

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.publisher import Forbidden
from handlers.context import Services

__all__ = [
    "BOT_SCOPES",
    "ThreadedInstallationStore",
    "ThreadedStateStore",
    "SingleTokenClients",
    "InstalledClients",
    "build_oauth_settings",
]

# Keep in step with bot/slack/manifest.yaml.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "pins:write",
    "files:write",  # /trend uploads its chart
    "users:read",
    # conversations.history: a post whose answer never came is looked for before it is resent
    "channels:history",
    "groups:history",
    "im:history",
)

ClientFactory = Callable[[str | None], AsyncWebClient]


class ThreadedInstallationStore(AsyncInstallationStore):
    """slack_sdk's SQLAlchemyInstallationStore, awaited through `asyncio.to_thread`."""

    def __init__(
        self,
        sync: SQLAlchemyInstallationStore,
        on_install: Callable[[str], object] | None = None,
    ) -> None:
        self.sync = sync
        self.on_install = on_install  # a workspace (re)installed: it has not left after all

    def create_tables(self) -> None:
        """Create slack_installations / slack_bots when missing (outside our Alembic schema)."""
        self.sync.create_tables()

    @property
    def logger(self) -> Logger:
        return self.sync.logger

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.sync.save, installation)
        if self.on_install is not None and installation.team_id:
            await asyncio.to_thread(self.on_install, installation.team_id)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.sync.save_bot, bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return await asyncio.to_thread(
            self.sync.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            self.sync.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.sync.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(
            self.sync.delete_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
        )


class ThreadedStateStore(AsyncOAuthStateStore):
    """slack_sdk's SQLAlchemyOAuthStateStore (CSRF state of the install flow), off the loop."""

    def __init__(self, sync: SQLAlchemyOAuthStateStore) -> None:
        self.sync = sync

    def create_tables(self) -> None:
        self.sync.create_tables()

    @property
    def logger(self) -> Logger:
        return self.sync.logger

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        return await asyncio.to_thread(self.sync.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.sync.consume, state)


def build_oauth_settings(
    client_id: str, client_secret: str, services: Services, *, create_tables: bool = True
) -> AsyncOAuthSettings:
    """Bolt's OAuth settings with installations and states kept in our database."""
    engine = services.store.engine
    logger = getLogger(__name__)
    store = ThreadedInstallationStore(
        SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=logger),
        on_install=lambda team: services.store.tenants.come_back("slack", team),
    )
    states = ThreadedStateStore(SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine))
    if create_tables:
        store.create_tables()
        states.create_tables()
    return AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=store,
        state_store=states,
    )


class SingleTokenClients:
    """One workspace, one bot token: the same client for every target."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def client_for(self, workspace: str) -> AsyncWebClient:
        return self.client


class InstalledClients:
    """A client per installed workspace, with the bot token from the installation store."""

    def __init__(self, store: AsyncInstallationStore, factory: ClientFactory) -> None:
        self._store = store
        self._factory = factory
        self._clients: dict[str, tuple[str, AsyncWebClient]] = {}

    async def client_for(self, workspace: str) -> AsyncWebClient:
        bot = await self._store.async_find_bot(enterprise_id=None, team_id=workspace)
        if bot is None or not bot.bot_token:
            raise Forbidden(f"policybrief is not installed in Slack workspace {workspace}")
        cached = self._clients.get(workspace)
        if cached and cached[0] == bot.bot_token:
            return cached[1]
        client = self._factory(bot.bot_token)
        self._clients[workspace] = (bot.bot_token, client)
        return client
