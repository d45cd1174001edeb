"""What the screens tell the app: Textual messages, posted to the app and handled there
(``GridApp.on_<message>``), so that no screen imports the app.

What a screen reads from the app (the source, the clock, the language …) is typed by
:class:`~gridtui.screens.base.ScreenHost`.
"""

from __future__ import annotations

from textual.message import Message


class ScreenShown(Message):
    """A screen came into view: only its failures (and the change feed's) count now."""


class DataLoaded(Message):
    """``origin`` (a screen's name) read the source: the data is fresh again."""

    def __init__(self, origin: str) -> None:
        super().__init__()
        self.origin = origin


class SourceFailed(Message):
    """``origin`` (a screen's name) failed to read the source: the header says stale."""

    def __init__(self, error: BaseException, origin: str) -> None:
        super().__init__()
        self.error = error
        self.origin = origin


class OpenTicket(Message):
    """Show ticket ``ticket_id`` in the ticket screen."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id


class ShowScreen(Message):
    """Switch to the top-level screen ``screen_name``."""

    def __init__(self, screen_name: str) -> None:
        super().__init__()
        self.screen_name = screen_name


class OpenRiskNode(Message):
    """Switch to the risk board and show node ``node_id`` there."""

    def __init__(self, node_id: int) -> None:
        super().__init__()
        self.node_id = node_id


class OpenMap(Message, bubble=False):
    """Switch to the map and look at node ``node_id`` (its outline fills the view) or
    at ticket ``ticket_id`` (close up, selected; ``node_id`` is then its grid, where
    its position is looked up). The app passes it on to the map screen, where it
    stops (it does not bubble back)."""

    def __init__(self, node_id: int | None = None, ticket_id: int | None = None) -> None:
        super().__init__()
        self.node_id = node_id
        self.ticket_id = ticket_id
