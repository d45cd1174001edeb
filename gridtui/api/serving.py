"""uvicorn for the API in this process: the change streams end first when it stops.

A change stream never ends by itself, and uvicorn waits for open responses before it
stops (then cancels them, with an error in the log). :class:`ApiServer` ends the
streams first, so stopping the server is quick and clean; clients reconnect later and
resume from their last change.
"""

from __future__ import annotations

from typing import Any

import uvicorn
from fastapi import FastAPI


class ApiServer(uvicorn.Server):
    """A uvicorn server for an app made by :func:`gridtui.api.server.create_app`."""

    def __init__(self, app: FastAPI, **options: Any) -> None:
        super().__init__(uvicorn.Config(app, **options))
        self.hub = app.state.hub

    async def shutdown(self, sockets: Any = None) -> None:
        """End the change streams, then shut down as uvicorn does."""
        await self.hub.close()
        await super().shutdown(sockets)
