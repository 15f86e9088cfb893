"""The default sources: the shipped sources.toml, or the [[source]] list of POLICYBRIEF_CONFIG."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["DefaultSource", "SourcesConfigError", "default_sources"]


@dataclass(frozen=True)
class DefaultSource:
    name: str
    url: str
    jurisdiction: str | None = None
    official: bool = False
    full_text: bool = False  # read each new item's article page (teaser feeds)


class SourcesConfigError(Exception):
    """The source list in a config file is unusable; the message names the file and entry."""


def _parse(text: str, origin: str) -> list[DefaultSource] | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesConfigError(f"{origin}: {exc}") from None
    entries = data.get("source")
    if entries is None:
        return None
    if not isinstance(entries, list):
        raise SourcesConfigError(f"{origin}: [[source]] must be a list of tables")
    out = []
    for n, entry in enumerate(entries, start=1):
        where = f"{origin}: source {n}"
        if not isinstance(entry, dict):
            raise SourcesConfigError(f"{where}: must be a table with name and url")
        url, name = entry.get("url"), entry.get("name")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise SourcesConfigError(f"{where}: url must be an http(s) address")
        if not isinstance(name, str) or not name.strip():
            raise SourcesConfigError(f"{where}: name must be a non-empty string")
        jurisdiction = entry.get("jurisdiction")
        if jurisdiction is not None and not isinstance(jurisdiction, str):
            raise SourcesConfigError(f"{where}: jurisdiction must be a slug such as eu")
        full_text = entry.get("full_text", False)
        if not isinstance(full_text, bool):
            raise SourcesConfigError(f"{where}: full_text must be true or false")
        out.append(
            DefaultSource(
                name.strip(), url, jurisdiction, bool(entry.get("official")), full_text=full_text
            )
        )
    return out


def default_sources(config_path: Path | None = None) -> list[DefaultSource]:
    """The config file's [[source]] list when it has one, else the shipped sources.toml."""
    if config_path is not None:
        try:
            text = Path(config_path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SourcesConfigError(f"{config_path}: cannot read: {exc.strerror}") from None
        configured = _parse(text, str(config_path))
        if configured is not None:
            return configured
    shipped = resources.files("digest").joinpath("sources.toml").read_text("utf-8")
    return _parse(shipped, "digest/sources.toml") or []
