"""The Slack door: only Slack, on top of the core (`bot.core.Core`) that every door shares.

app.py             build_slack: the Web API client, the Bolt app, every listener registered
door.py            SlackDoor: the running Slack app that listeners, modal and steps receive
listeners/         what happens on a command, a click, the Home tab (registered in one place)
replies.py         every reply to a command, rendered
views/             Block Kit views (pure)
modal/             the "Find a WhatsApp template" modal
steps/             the Workflow Builder steps
notifier.py        change notifications: queued in the outbox, posted to channels
pending.py         the replies still owed while syncs run (a shutdown waits for them)
user_languages.py  whose language a reply is in
values.py          what buttons carry, and the shape of Slack's ids
action_ids.py      the ids of the buttons and menus
access.py          who may use the bot
verify.py          is a request from Slack, and safe to hand to Bolt
"""
