"""What the README and /help promise, tried as a user would: good input does what they say, and
bad input is refused with the word and its column, never read as something else."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from digest.composition.textrender import render_text
from handlers.base import Role
from storage.models import Watch
from tests.fakechat import FakeChat, error_of, own_pg_schema, refused

ADMIN = Role.ADMIN

_pg_worker_db = own_pg_schema("contracts")


@pytest.fixture
def chat(db):
    return FakeChat(db)


def watches(db):
    with db.session() as session:
        return [(w.query, w.mode, w.daily_at, w.timezone) for w in session.exec(select(Watch))]


# --- /watch <query> daily [time] [zone]: the times and zones /digest on reads ----------------


@pytest.mark.parametrize(
    ("line", "saved"),
    [
        ("/watch coupang daily 09:00 Seoul", ("coupang", "daily", "09:00", "Asia/Seoul")),
        ("/watch coupang daily Seoul", ("coupang", "daily", "08:00", "Asia/Seoul")),
        ("/watch coupang daily 9am", ("coupang", "daily", "09:00", "UTC")),
        ("/watch coupang daily Asia/Seoul 9:30pm", ("coupang", "daily", "21:30", "Asia/Seoul")),
    ],
)
def test_watch_daily_takes_a_city_and_am_pm(chat, line, saved):
    reply = chat.say(line)
    assert reply.document.kind != "error", error_of(reply)
    assert watches(chat.db) == [saved]


def test_a_word_after_daily_that_is_no_zone_stays_a_word(chat):
    chat.say("/watch coupang daily report")
    assert watches(chat.db) == [("coupang daily report", "instant", None, None)]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/watch coupang daily 25:00", "25:00 at column 15: not a time of day (00:00 to 23:59)"),
        (
            "/watch coupang daily 09:00 Mars/Base",
            "Mars/Base at column 21: unknown time zone; use an IANA name like Europe/Brussels",
        ),
        (
            "/watch coupang daily 09:00 10:00",
            "10:00 at column 21: after daily give a time (HH:MM) and then a zone",
        ),
    ],
)
def test_watch_daily_bad_time_or_zone_is_refused_where_it_stands(chat, line, message):
    refused(chat, line, message)


# --- a word a command does not take is named with its column ---------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "/digest bogus",
            "bogus at column 1: /digest needs on, off, status or preview, "
            "e.g. /digest on 08:00 Europe/Brussels eu",
        ),
        # the subcommand was named: the refusal is of the stray word, not "needs list, ..."
        ("/sources list extra", "extra at column 6: /sources list takes no words"),
        ("/sources health now", "now at column 8: /sources health takes no words"),
        (
            "/sources remove 3 now",
            "now at column 10: expected confirm, like /sources remove 3 confirm",
        ),
        (
            "/sources hide three",
            "three at column 6: /sources hide needs a source number, like /sources hide 3",
        ),
        (
            "/watch pause first",
            "first at column 7: /watch pause needs a watch number, like /watch pause 12 "
            "(see /watch list)",
        ),
        (
            "/watch remove 1 2",
            "2 at column 10: /watch remove needs a watch number, like /watch remove 12 "
            "(see /watch list)",
        ),
    ],
)
def test_refused_words_are_named_where_they_stand(chat, line, message):
    refused(chat, line, message, as_=ADMIN)


# --- the CLI --------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "POLICYBRIEF_SEED_SOURCES": "false",
        "POLICYBRIEF_DATA_DIR": str(tmp_path / "data"),
    }


def test_sources_export_to_a_missing_folder_says_so_with_exit_code_2(cli_env, tmp_path):
    target = tmp_path / "no-such-folder" / "sources.opml"
    result = runner.invoke(app, ["sources", "export", str(target)], env=cli_env)
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{target}: cannot write: No such file or directory" in result.output


def test_a_misspelt_setting_is_named_with_the_one_meant(cli_env):
    env = {**cli_env, "POLICYBRIEF_DATABASE_URL": "sqlite:///elsewhere.db"}
    result = runner.invoke(app, ["sources", "list"], env=env)
    assert result.exit_code == 0
    assert (
        "warning: POLICYBRIEF_DATABASE_URL is not a policybrief setting and is ignored; "
        "did you mean DATABASE_URL?"
    ) in result.output
    env = {**cli_env, "POLICYBRIEF_TIMEZOME": "Asia/Seoul"}
    result = runner.invoke(app, ["sources", "list"], env=env)
    assert "did you mean POLICYBRIEF_TIMEZONE?" in result.output


def test_known_settings_raise_no_warning(cli_env):
    result = runner.invoke(app, ["sources", "list"], env=cli_env)
    assert result.exit_code == 0
    assert "warning" not in result.output


# --- nothing found: the advice offers only what the command accepts --------------------------


@pytest.mark.parametrize(
    ("line", "advice"),
    [
        ("/deadlines", "Try a longer window (next:365d) or fewer words."),
        ("/deadlines next:400d", "Try a longer window (next:730d) or fewer words."),
        ("/deadlines next:730d", "Try fewer words."),
        (
            "/trend zzqq since:365d",
            "Nothing to chart: try fewer words or a longer window (since:730d).",
        ),
        ("/trend zzqq since:730d", "Nothing to chart: try fewer words."),
    ],
)
def test_empty_answers_never_suggest_a_shorter_window(chat, line, advice):
    text = render_text(chat.say(line).document)
    assert advice in text.splitlines()


def test_a_misspelt_command_is_told_the_one_meant(chat):
    refused(chat, "/bref eu", "/bref: unknown command. Did you mean /brief? Try /help.")
    refused(chat, "/deadline eu", "/deadline: unknown command. Did you mean /deadlines? Try /help.")
    refused(chat, "/frobnicate now", "/frobnicate: unknown command. Try /help.")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "/pin xyz",
            "xyz at column 1: not a story id; story ids look like s4k2 and are on each story card",
        ),
        (
            "/watch similar s1 s2",
            "s2 at column 12: /watch similar needs one story: its short id from a story card "
            "(like s4k2) or its URL",
        ),
        ("/pinned now", "now at column 1: /pinned takes no words; it lists this channel's pins"),
    ],
)
def test_story_words_are_named_where_they_stand(chat, line, message):
    refused(chat, line, message, as_=ADMIN)


def _policybrief(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("policybrief")
    return subprocess.run(
        [str(exe), *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_log_settings_apply_to_every_command_not_only_run(cli_env):
    env = {**cli_env, "POLICYBRIEF_LOG_LEVEL": "DEBUG", "POLICYBRIEF_LOG_JSON": "true"}
    env["SLACK_BOT_TOKEN"] = "xoxb-never-in-a-log"
    done = _policybrief(["chat", "/sources list"], env)
    assert done.returncode == 0, done.stderr
    logged = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert logged, done.stderr
    assert {entry["level"] for entry in logged} <= {"DEBUG", "INFO", "WARNING", "ERROR"}
    assert "xoxb-never-in-a-log" not in done.stderr
    quiet = _policybrief(["chat", "/sources list"], cli_env)
    assert not [line for line in quiet.stderr.splitlines() if line.startswith("{")]


def test_a_database_the_demo_fills_answers_deadlines_as_a_poll_would(cli_env):
    filled = runner.invoke(app, ["demo", "--database", cli_env["DATABASE_URL"]], env=cli_env)
    assert filled.exit_code == 0, filled.output
    listed = runner.invoke(app, ["chat", "/deadlines"], env=cli_env)
    assert listed.exit_code == 0, listed.output
    assert "Apple must change its terms within 60 days" in listed.output


def test_deadlines_help_lists_from_and_refuses_a_second_one(chat):
    help_text = render_text(chat.say("/help").document)
    assert "[from:YYYY-MM-DD]" in help_text
    refused(
        chat,
        "/deadlines from:2027-01-01 from:2027-02-01",
        "from:2027-02-01 at column 17: give one from: day",
    )


def test_poll_refuses_all_and_source_together(cli_env):
    result = runner.invoke(app, ["poll", "--all", "--source", "1"], env=cli_env)
    assert result.exit_code == 2
    assert "--all and --source: give one (every source, or that one)" in result.output


# --- the Slack manifest's hints name every subcommand /help lists ----------------------------

# reached from a proposal's Save and Edit buttons
_BUTTONS = {"save-similar", "edit-similar"}


def test_slack_usage_hints_name_every_subcommand():
    from handlers.all import build_registry

    manifest = (Path(__file__).parents[1] / "bot" / "slack" / "manifest.yaml").read_text()
    hints = dict(re.findall(r"- command: /(\S+)\n(?:.*\n)*?\s+usage_hint: \"(.*)\"", manifest))
    for spec in build_registry().listed():
        if not spec.subcommands or spec.name not in hints:
            continue
        words = set(re.findall(r"[\w-]+", hints[spec.name]))
        implied = {spec.otherwise, spec.when_empty}  # `/watch coupang` is add, `/deadlines` list
        named = {s.name for s in spec.subcommands} - implied - _BUTTONS
        assert named <= words, (spec.name, named - words)


def test_help_does_not_call_a_weekly_digest_daily(chat):
    help_text = render_text(chat.say("/help", as_=ADMIN).document)
    assert "daily digest" not in help_text
    assert "This channel's digest: daily, weekdays or weekly (channel admins)" in help_text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/digest on 8.30", "8.30 at column 4: write a time with a colon: 08:30 or 8:30am"),
        ("/digest on eu 0800", "0800 at column 7: write a time with a colon: 08:30 or 8:30am"),
        ("/digest on 8h30", "8h30 at column 4: write a time with a colon: 08:30 or 8:30am"),
    ],
)
def test_digest_on_refuses_a_time_it_would_have_read_as_a_filter(chat, line, message):
    refused(chat, line, message, as_=ADMIN)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "/trend -eu",
            "-eu at column 1: exclusions work in /brief, /watch and /digest; here, leave it out",
        ),
        (
            '/deadlines eu "age verification"',
            '"age at column 4: phrases work in /brief and /watch; here, give the words',
        ),
    ],
)
def test_trend_and_deadlines_name_the_word_they_cannot_search(chat, line, message):
    refused(chat, line, message)


def test_a_public_url_without_a_scheme_is_refused_at_start(cli_env):
    env = {**cli_env, "POLICYBRIEF_PUBLIC_URL": "pb.example.org"}
    result = runner.invoke(app, ["chat", "/deadlines subscribe eu"], env=env)
    assert result.exit_code == 2
    assert (
        "POLICYBRIEF_PUBLIC_URL: 'pb.example.org': expected the bot's public URL, "
        "e.g. https://pb.example.org"
    ) in result.output
