"""The full command table: build it once in bot/app.py and give it to every adapter."""

from __future__ import annotations

from handlers import brief, deadlines, digest_cmd, pin, sources, story, trend, watch
from handlers.help import help_spec
from handlers.registry import Registry

__all__ = ["build_registry"]


def build_registry() -> Registry:
    """Every command: brief, watch, deadlines, trend, digest, pin, unpin, pinned, sources, help;
    and the story command that the cards' More menu runs."""
    registry = Registry()
    for spec in (
        brief.SPEC,
        watch.SPEC,
        deadlines.SPEC,
        trend.SPEC,
        digest_cmd.SPEC,
        pin.PIN,
        pin.UNPIN,
        pin.PINNED,
        sources.SPEC,
        story.STORY,
    ):
        registry.register(spec)
    registry.register(help_spec(registry))
    return registry
