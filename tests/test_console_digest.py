"""`wolkvox-sync digest --channel C0123 [--since 24h] [--json] [--post]` (issue 22): the digest
a channel gets, previewed by whoever sets it up. A real process (forked `python -m bot`), a real
SQLite file whose history the console's own syncs made (the fake Wolkvox answers each sync
differently), subscriptions stored as Slack's `subscribe` stores them. The preview is the post
made plain: `--post` posts it through the Slack notifier (the fake Slack records it) and the
recorded post, read the same way, is what the preview printed, in the subscriber's language;
`--json` is the digest's data; words that can't be read end with one line and exit 2."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.console.text import message_lines
from bot.database.store import Store
from bot.sync.digests import latest_period
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, ok, template
from tests.blockkit import check_message
from tests.terminal import run, write_env

CHANNEL = "C0CAMPAIGN"
PROMO = template("promo_navidad", "pt_BR", "MARKETING", "Feliz Natal, {{1}}!")
WELCOME = template("bienvenida", "es", "UTILITY", "Hola {{1}}")
SUMMER = template("verano", "pt_BR", "MARKETING", "Verão, {{1}}!")
FLASH = template("flash_sale", "pt_BR", "MARKETING", "Só hoje!")


@pytest.fixture
def workdir(tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack) -> Path:
    """Three syncs of 1234 within the hour: promo changed twice, verano added, flash_sale added
    and removed again, bienvenida (Spanish, utility) changed; then C0CAMPAIGN subscribed to
    the Brazilian marketing ones."""
    write_env(tmp_path, wolkvox, slack, "WOLKVOX_TIMEZONE=America/Sao_Paulo")
    states = [
        [PROMO, WELCOME],
        [{**PROMO, "body_template": "Feliz Natal!"}, WELCOME, FLASH, SUMMER],
        [
            {**PROMO, "body_template": "Feliz Natal, {{1}}! 30% off"},
            {**WELCOME, "body_template": "Hola, {{1}}"},
            SUMMER,
        ],
    ]
    for templates in states:
        wolkvox.reply("1234", Reply(body=ok(templates)))
        done = run(tmp_path, "sync", "1234")
        assert done.returncode == 0, done.stderr
    subscribe(tmp_path, filters="lang:pt_BR category:marketing", cadence="daily")
    return tmp_path


def subscribe(
    workdir: Path,
    *,
    filters: str = "",
    cadence: str = "each",
    channel: str = CHANNEL,
    team: str = "T1",
    connector: str = "default:1234",
) -> None:
    """`channel` subscribed as `/wolkvox-sync subscribe` stores it (by U1)."""

    async def store_it() -> None:
        store = await Store.open(f"sqlite:///{workdir}/wolkvox.db")
        try:
            await store.subscribe(
                team_id=team,
                channel_id=channel,
                connector=connector,
                user_id="U1",
                now=datetime.now(UTC),
                filters=filters,
                cadence=cadence,
            )
        finally:
            await store.aclose()

    asyncio.run(store_it())


def posts(slack: FakeSlack, channel: str = CHANNEL) -> list[dict[str, object]]:
    return [p.body for p in slack.calls("chat.postMessage") if p.body.get("channel") == channel]


def test_the_preview_is_what_is_posted(workdir: Path, slack: FakeSlack) -> None:
    preview = run(workdir, "digest", "--channel", CHANNEL, "--since", "24h")
    assert preview.returncode == 0, preview.stderr
    assert posts(slack) == []  # a preview posts nothing
    text = preview.stdout
    # the net change through the filters: promo once, as it is now; verano added; flash_sale
    # added and removed within the period is not there; bienvenida is not pt_BR marketing
    assert "promo_navidad" in text and "verano" in text
    assert text.count("promo_navidad") == 1
    assert "flash_sale" not in text and "bienvenida" not in text

    posted = run(workdir, "digest", "--channel", CHANNEL, "--since", "24h", "--post")
    assert posted.returncode == 0, posted.stderr
    sent = posts(slack)
    assert sent, "nothing was posted"
    for message in sent:
        check_message(message)
        assert "<@" not in json.dumps(message) and "<!here" not in json.dumps(message)
        assert "<!channel" not in json.dumps(message)
    said = "".join(line + "\n" for line in [x for m in sent for x in [*message_lines(m), ""]][:-1])
    assert posted.stdout == said + f"Posted in channel {CHANNEL}.\n"
    assert said == preview.stdout


def test_the_preview_is_in_the_channel_s_language(workdir: Path, slack: FakeSlack) -> None:
    slack.locales["U1"] = "pt-BR"
    preview = run(workdir, "digest", "--channel", CHANNEL, "--since", "2h")
    assert preview.returncode == 0, preview.stderr
    posted = run(workdir, "digest", "--channel", CHANNEL, "--since", "2h", "--post")
    assert posted.returncode == 0, posted.stderr
    said = [x for m in posts(slack) for x in [*message_lines(m), ""]][:-1]
    assert preview.stdout.splitlines() == said
    assert posted.stdout.splitlines()[-1] == f"Posted in channel {CHANNEL}."  # WOLKVOX_LANGUAGE


def test_json_is_the_digest_s_data(workdir: Path, slack: FakeSlack) -> None:
    done = run(workdir, "digest", "--channel", CHANNEL.lower(), "--since", "90m", "--json")
    assert done.returncode == 0, done.stderr
    digest = json.loads(done.stdout)
    start = datetime.fromisoformat(digest["period_start"])
    end = datetime.fromisoformat(digest["period_end"])
    assert end - start == timedelta(minutes=90)
    assert abs(end - datetime.now(UTC)) < timedelta(minutes=1)
    [part] = digest["connectors"]
    assert digest["channel"] == CHANNEL and digest["changed"] and not digest["posted"]
    assert digest["cadence"] is None  # a window asked for, not the daily period
    assert part["connector"] == "1234" and part["operation"] == "default"
    assert part["filters"] == "lang:pt_BR category:marketing"
    assert part["added"] == [{"name": "verano", "language": "pt_BR"}]
    assert part["removed"] == []
    assert part["changed"] == [{"name": "promo_navidad", "language": "pt_BR", "fields": ["body"]}]
    assert posts(slack) == []


def test_without_since_the_latest_ended_period_of_the_channel_s_cadence(workdir: Path) -> None:
    done = run(workdir, "digest", "--channel", CHANNEL, "--json")
    assert done.returncode == 0, done.stderr
    digest = json.loads(done.stdout)
    start, end = latest_period("daily", datetime.now(UTC), ZoneInfo("America/Sao_Paulo"))
    assert digest["cadence"] == "daily"
    assert datetime.fromisoformat(digest["period_start"]) == start
    assert datetime.fromisoformat(digest["period_end"]) == end
    assert (
        datetime.fromisoformat(digest["period_end"])
        .astimezone(ZoneInfo("America/Sao_Paulo"))
        .strftime("%H:%M")
        == "09:00"
    )


def test_a_channel_that_hears_each_sync_gets_the_last_24_hours(
    workdir: Path, slack: FakeSlack
) -> None:
    subscribe(workdir, channel="C0EACH")
    done = run(workdir, "digest", "--channel", "C0EACH", "--json")
    assert done.returncode == 0, done.stderr
    digest = json.loads(done.stdout)
    span = datetime.fromisoformat(digest["period_end"]) - datetime.fromisoformat(
        digest["period_start"]
    )
    assert span == timedelta(hours=24) and digest["cadence"] is None
    [part] = digest["connectors"]
    assert {t["name"] for t in part["added"]} == {"verano"}  # flash_sale came and went
    assert {c["name"] for c in part["changed"]} == {"promo_navidad", "bienvenida"}


def test_nothing_changed_posts_nothing(workdir: Path, slack: FakeSlack) -> None:
    subscribe(workdir, channel="C0QUIET", connector="default:5678")
    done = run(workdir, "digest", "--channel", "C0QUIET", "--since", "7d", "--post")
    assert done.returncode == 0, done.stderr
    assert "Nothing changed in channel C0QUIET's connectors" in done.stdout
    assert done.stdout.splitlines()[-1] == "Nothing was posted in channel C0QUIET."
    assert posts(slack, "C0QUIET") == []


@pytest.mark.parametrize(
    ("words", "says"),
    [
        (["--since", "24"], "--since takes a length of time like 24h, 7d or 90m"),
        (["--since", "0h"], "--since takes a length of time like 24h, 7d or 90m"),
        (["--since", "yesterday"], "yesterday is not one"),
        (["--since", "400d"], "--since reaches back 366 days at most; 400d is longer."),
        (["--channel", "#campaigns"], "--channel takes a channel id, like C0123ABCD"),
        (["--channel", "C0NOBODY"], "Channel C0NOBODY has no subscription"),
        (["--workspace", "T0AAA"], "--workspace is only for a bot installed from its link"),
    ],
)
def test_wrong_words_end_with_one_line_and_exit_2(
    workdir: Path, slack: FakeSlack, words: list[str], says: str
) -> None:
    args = ["--channel", CHANNEL, *words] if words[0] != "--channel" else words
    done = run(workdir, "digest", *args)
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("wolkvox-sync: ") and says in line
    assert posts(slack) == []


def test_the_channel_is_required(workdir: Path) -> None:
    done = run(workdir, "digest", "--since", "24h")
    assert done.returncode == 2 and "--channel" in done.stderr


def test_errors_in_the_console_s_language(workdir: Path) -> None:
    with (workdir / ".env").open("a") as env:
        env.write("WOLKVOX_LANGUAGE=es\n")
    done = run(workdir, "digest", "--channel", CHANNEL, "--since", "mañana")
    assert done.returncode == 2
    assert done.stderr.startswith("wolkvox-sync: --since ") and "mañana" in done.stderr
    assert "length of time" not in done.stderr
