"""Distribution mode: installing the app from a link into many workspaces.

flow.py       Bolt's OAuth v2 flow: /slack/install and /slack/oauth_redirect
store.py      installations (tokens sealed, lookups cached) and install-link states
rotation.py   each request's bot token by workspace, refreshed before it expires
tokens.py     which workspace's token a Web API call uses
pages.py      the pages people see while installing (pure)
"""
