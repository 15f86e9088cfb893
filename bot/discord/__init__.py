"""Discord adapter: app commands from the registry (client), Document -> embeds (render),
the Discord Publisher (publisher), persistent story buttons (views).

Nothing is imported here, so `import bot.discord` has no side effects; bot/app.py calls
`bot.discord.client.build_discord(settings, services, registry)`.
"""

__all__: list[str] = []
