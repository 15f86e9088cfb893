"""Slack: the Bolt app (Socket Mode and HTTP), the Block Kit renderer and the Slack publisher.

Import `bot.slack.app.build_slack` from the composition root; importing this package has no side
effects.
"""

__all__: list[str] = []
