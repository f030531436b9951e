"""Block Kit views: pure functions from values computed before to messages, modals and tabs.

No view searches, reads the store or calls Slack.
"""
