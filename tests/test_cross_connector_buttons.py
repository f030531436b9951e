"""A button names its connector and carries a kept snapshot's id: every button that loads a
kept snapshot by id checks that the snapshot is that connector's. A value naming connector
5678 with connector 1234's snapshot id is answered as expired, never with 1234's templates
under 5678's name."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack import action_ids as ids
from bot.slack import values
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import CAMPAIGN, FakeWolkvox, Reply, make_templates, ok
from tests.blockkit import all_text, buttons
from tests.harness import BotServer, final_answer

OTHER = "5678"


def kept_id(bot: BotServer, slack: FakeSlack) -> str:
    """The id of the snapshot kept for connector 1234 (read from its reply's buttons)."""
    reply = final_answer(bot, slack, "1234", "sync-1234")
    for element in buttons(reply).values():
        if element.get("action_id") in (ids.ACTION_EXPORT, ids.ACTION_SHARE):
            snapshot_id = values.decode_view(element["value"]).snapshot_id
            assert snapshot_id
            return snapshot_id
    raise AssertionError(f"no button carries a snapshot: {reply}")


def crossed(kind: str, snapshot_id: str) -> str:
    """A button value that names OTHER but carries 1234's snapshot id."""
    if kind == "view":
        return values.encode_view(values.ViewRef(OTHER, snapshot_id))
    if kind == "template":
        return values.encode_template(values.TemplateRef(OTHER, snapshot_id, 0))
    if kind == "check":
        return values.encode_check(values.CheckRef(OTHER, "recordatorio_pago", snapshot_id))
    if kind == "compare_right":  # 1234 against 5678, the right side carrying 1234's snapshot
        return values.encode_compare(values.CompareRef("1234", OTHER, snapshot_id, snapshot_id))
    assert kind == "compare_left"
    return values.encode_compare(values.CompareRef(OTHER, "1234", snapshot_id, snapshot_id))


CLICKS = [
    *((action, "view") for action in (*ids.PAGE_ACTIONS, ids.ACTION_EXPORT)),
    (ids.ACTION_OPEN, "template"),
    *((action, "view") for action in (*ids.COVERAGE_PAGE_ACTIONS, ids.ACTION_COVERAGE_EXPORT)),
    (ids.ACTION_CHECK_SHARE, "check"),
    *(
        (action, side)
        for action in (ids.ACTION_COMPARE_NEXT, ids.ACTION_COMPARE_SHARE, ids.ACTION_COMPARE_EXPORT)
        for side in ("compare_right", "compare_left")
    ),
]


@pytest.mark.parametrize(("action", "kind"), CLICKS)
def test_a_button_naming_another_connector_is_answered_as_expired(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox, action: str, kind: str
) -> None:
    wolkvox.reply("1234", Reply(body=ok(CAMPAIGN)))
    wolkvox.reply(OTHER, Reply(body=ok(make_templates(30, prefix="otro"))))
    snapshot_id = kept_id(bot, slack)
    value = crossed(kind, snapshot_id)
    click: dict[str, Any] = {"selected": value} if kind == "template" else {}
    acked = bot.click(action, "" if click else value, response_url=slack.response_url("x"), **click)
    assert acked.status == 200
    [reply] = slack.wait_replies("x", 1)
    text = all_text(reply)
    assert "no longer kept" in text, text
    assert "promo_natal" not in text and "boas_vindas" not in text  # none of 1234's templates
    assert not slack.calls("files.getUploadURLExternal") and not slack.uploads
    assert wolkvox.calls == ["1234"]  # expired: nothing synced behind the clicker's back
