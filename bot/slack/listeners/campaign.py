"""What happens when someone clicks a button on a coverage grid, a readiness card or a
comparison: Previous, Next and Share (a page of kept data), Refresh (sync again, same query)
and Export CSV (the whole grid or every difference, in the conversation's language)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands import Check, Compare, Coverage, parse_query_text
from bot.errors import BotError
from bot.i18n import Translator
from bot.i18n.mrkdwn import escape
from bot.slack.action_ids import ACTION_CHECK_SHARE, ACTION_COMPARE_SHARE, ACTION_COVERAGE_SHARE
from bot.slack.listeners.clicks import (
    Action,
    Export,
    KeptClicks,
    Page,
    Upload,
    problem_message,
)
from bot.slack.replies import check_reply, compare_reply, coverage_reply
from bot.slack.values import CompareRef, decode_check, decode_compare, decode_view
from bot.slack.views.compare import comparison_expired
from bot.slack.views.coverage import coverage_expired
from bot.slack.views.kit import Message
from bot.slack.views.readiness import readiness_expired
from bot.templates.compare import compare
from bot.templates.coverage import coverage
from bot.templates.export import comparison_csv, coverage_csv, csv_filename
from bot.templates.model import Snapshot

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor


class CampaignActions(KeptClicks):
    """The buttons of the coverage, check and compare replies."""

    def __init__(self, door: SlackDoor) -> None:
        super().__init__(door)
        # Previous and Next replace the clicker's reply; Share posts it for everyone (the
        # readiness card has Share only).
        self.coverage_page = self.page_listener(
            ACTION_COVERAGE_SHARE, self._coverage_page, self._coverage_problem
        )
        self.check_share = self.page_listener(
            ACTION_CHECK_SHARE, self._check_card, self._check_problem
        )
        self.compare_page = self.page_listener(
            ACTION_COMPARE_SHARE, self._compare_page, self._compare_problem
        )
        # Refresh syncs again (both connectors of a comparison, concurrently), same filters.
        self.coverage_refresh = self.refresh_listener(_coverage_again)
        self.check_refresh = self.refresh_listener(_check_again)
        self.compare_refresh = self.refresh_listener(_compare_again)
        # Export CSV uploads the whole grid, or every difference, not one page.
        self.coverage_export = self.export_listener(self._coverage_export, self._coverage_problem)
        self.compare_export = self.export_listener(self._compare_export, self._compare_problem)

    # what the buttons point to

    async def _coverage_page(self, value: object, t: Translator) -> Page:
        ref, query, snapshot = await self.view(value, t)
        return lambda about: coverage_reply(snapshot, about, query=query, page=ref.page)

    async def _coverage_export(self, value: object, t: Translator) -> Export:
        _, query, snapshot = await self.view(value, t)
        grid = coverage(snapshot, query)

        def upload(posted: Translator, who: str) -> Upload:
            values = {
                "connector": escape(posted.connector(snapshot.connector)),
                "user": f"<@{who}>",
                "filters": escape(query.text()),
            }
            if query.empty:
                comment = posted.nformat(
                    "Coverage of connector {connector}: {count} template, exported by {user}",
                    "Coverage of connector {connector}: {count} templates, exported by {user}",
                    grid.count,
                    **values,
                )
            else:
                comment = posted.nformat(
                    "Coverage of connector {connector} ({filters}): {count} template, exported "
                    "by {user}",
                    "Coverage of connector {connector} ({filters}): {count} templates, exported "
                    "by {user}",
                    grid.count,
                    **values,
                )
            what = posted._("coverage")
            filename = csv_filename(
                posted.connector_file(snapshot.connector), f"{what} {query.text()}"
            )
            return Upload(filename, coverage_csv(grid, posted), comment)

        return upload

    async def _check_card(self, value: object, t: Translator) -> Page:
        ref = decode_check(value)
        snapshot = await self.kept(ref.connector, ref.snapshot_id)
        return lambda about: check_reply(snapshot, ref.name, about)

    async def _compare_page(self, value: object, t: Translator) -> Page:
        ref = decode_compare(value)
        query = parse_query_text(ref.query, t)
        left, right = await self._sides(ref)
        return lambda about: compare_reply(left, right, about, query=query, page=ref.page)

    async def _compare_export(self, value: object, t: Translator) -> Export:
        ref = decode_compare(value)
        query = parse_query_text(ref.query, t)
        left, right = await self._sides(ref)
        comparison = compare(left, right, query)

        def upload(posted: Translator, who: str) -> Upload:
            comment = posted.nformat(
                "Connectors {left} and {right} compared: {count} difference, exported by {user}",
                "Connectors {left} and {right} compared: {count} differences, exported by {user}",
                comparison.count,
                left=escape(posted.connector(left.connector)),
                right=escape(posted.connector(right.connector)),
                user=f"<@{who}>",
            )
            what = posted._("comparison")
            connectors = (
                f"{posted.connector_file(left.connector)}-{posted.connector_file(right.connector)}"
            )
            filename = csv_filename(connectors, f"{what} {query.text()}")
            return Upload(filename, comparison_csv(comparison, posted), comment)

        return upload

    async def _sides(self, ref: CompareRef) -> tuple[Snapshot, Snapshot]:
        left = await self.kept(ref.left, ref.left_snapshot, ref.query)
        right = await self.kept(ref.right, ref.right_snapshot, ref.query)
        return left, right

    # what a button says when it can't be done

    def _coverage_problem(self, error: BotError, action: Action, t: Translator) -> Message:
        return problem_message(
            error,
            t,
            lambda expired, text: coverage_expired(expired.connector, expired.query, text, t),
        )

    def _check_problem(self, error: BotError, action: Action, t: Translator) -> Message:
        def expired(_: object, text: str) -> Message:
            ref = decode_check(action.get("value"))
            return readiness_expired(ref.connector, ref.name, text, t)

        return problem_message(error, t, expired)

    def _compare_problem(self, error: BotError, action: Action, t: Translator) -> Message:
        def expired(_: object, text: str) -> Message:
            return comparison_expired(decode_compare(action.get("value")), text, t)

        return problem_message(error, t, expired)


# what Refresh runs again


def _coverage_again(value: object, t: Translator) -> Coverage:
    ref = decode_view(value)
    return Coverage(ref.connector, parse_query_text(ref.query, t), refresh=True)


def _check_again(value: object, t: Translator) -> Check:
    ref = decode_check(value)
    return Check(ref.connector, ref.name, refresh=True)


def _compare_again(value: object, t: Translator) -> Compare:
    ref = decode_compare(value)
    return Compare(ref.left, ref.right, parse_query_text(ref.query, t), refresh=True)
