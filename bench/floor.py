"""The floor: the least a Bolt AsyncApp costs per slash command on this machine.

Acknowledges the command and responds with a fixed one-line message through response_url,
served exactly as the bot is (uvicorn, the ASGI adapter, one process).
"""

from __future__ import annotations

import os

import uvicorn
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient


def main() -> None:
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
    )
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.command("/wolkvox-sync")
    async def command(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond("Connector synced.")

    uvicorn.run(
        AsyncSlackRequestHandler(app),
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        proxy_headers=True,
        log_config=None,
        access_log=False,
        lifespan="on",
    )


if __name__ == "__main__":
    main()
