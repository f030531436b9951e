"""Block Kit views: pure functions from values computed before to messages and the Home tab
(the modal's are in `bot.slack.modal.views`). `bot.slack.replies` puts them together into
the reply to each command.

results.py    a lookup's result: counts, one page of matches, paging and buttons
template.py   one template in full (`show`, the Open menu), or the closest names
coverage.py   the coverage grid
readiness.py  a template's readiness card (`check`)
compare.py    two connectors compared
listing.py    what those four share: filters, page notes, "data expired", no match
changes.py    what a sync changed: the reply's note, the channel notification, the
              warning to a subscriber whose channel can't be reached
history.py    a connector's sync history, a channel's subscriptions
status.py     `status`, and the quota warning a reply carries
home.py       the Home tab
kit.py        the Block Kit helpers, the frame of a result, and Slack's limits

No view searches, reads the store or calls Slack.
"""
