"""Wolkvox operations: the customer accounts the bot serves, each with its own server code,
token, daily quota, connectors and aliases (a BPO serves several clients, one operation each).

    model.py       an Operation (the token kept out of repr), what is checked when one is saved
    secrets.py     tokens encrypted at rest with WOLKVOX_SECRET_KEY (Fernet, keys rotate)
    book.py        the operations in effect: the environment's and the stored ones, reloaded
                   when any instance changes them
    addressing.py  which operation a typed connector means (`cliente_a:1234`, a channel's
                   default, the only one), or the question "which operation?"
    source.py      the TemplateSource that calls Wolkvox with the operation's server and token,
                   2 calls in flight and the daily quota per token

A connector inside the bot is named by its key, `operation:id` (`bot.templates.connectors`).
"""
