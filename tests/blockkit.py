"""Reading a Slack message in tests: check it against Block Kit (slack_sdk's models plus the
limits they don't check), and pick out its texts, buttons, menu options, code block and live
markup."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

MAX_BLOCKS = 50
MAX_BLOCK_TEXT = 10_000
MAX_FIELD = 2000
MAX_SECTION = 3000


def texts(value: Any) -> list[str]:
    """Every `text` string inside blocks (text objects and their nested elements)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                found.append(item)
            else:
                found.extend(texts(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(texts(item))
    return found


def check_message(message: dict[str, Any]) -> None:
    """Raise AssertionError where Slack would refuse or truncate `message`."""
    blocks = message["blocks"]
    assert message.get("text"), "a top-level text fallback is required"
    assert len(message["text"]) <= 40_000
    assert 0 < len(blocks) <= MAX_BLOCKS, f"{len(blocks)} blocks"
    total = sum(len(t) for t in texts(blocks))
    assert total <= MAX_BLOCK_TEXT, f"{total} characters of block text"
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        assert parsed.to_dict() == raw  # to_dict() validates the limits slack_sdk knows
        if raw["type"] == "section":
            assert len(raw.get("text", {}).get("text", "")) <= MAX_SECTION
            fields = raw.get("fields", [])
            assert len(fields) <= 10
            assert all(len(f["text"]) <= MAX_FIELD for f in fields)
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The interactive elements of a message's actions blocks, by action_id."""
    return {
        e["action_id"]: e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def menu_options(message: dict[str, Any], action_id: str) -> dict[str, str]:
    """The options of the menu `action_id`: each option's label and the value it carries."""
    return {o["text"]["text"]: o["value"] for o in buttons(message)[action_id]["options"]}


def code_lines(message: dict[str, Any]) -> list[str]:
    """The lines of the message's first code block (the coverage grid)."""
    for text in texts(message["blocks"]):
        if "```" in text:
            return text.split("```")[1].strip("\n").splitlines()
    raise AssertionError("no code block")


def all_text(message: dict[str, Any]) -> str:
    return "\n".join([message.get("text", ""), *texts(message.get("blocks", []))])


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    """The texts Slack parses as markup: mrkdwn objects and the top-level `text` fallback.

    plain_text objects (headers, buttons, menu options) are shown literally by Slack.
    """
    found = [message.get("text", "")]

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
                found.append(value["text"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message.get("blocks", []))
    return found


def live_markup(message: dict[str, Any]) -> list[str]:
    """Mentions and links in parsed text: <!channel>, <@U…>, <#C…>, <http…|…>. A date
    (<!date^…>) is formatting, not a mention."""
    import re

    pattern = re.compile(r"<(?!!date\^)[!@#]|<https?:|<mailto:")
    return [t for t in mrkdwn_texts(message) if pattern.search(t)]
