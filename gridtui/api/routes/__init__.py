"""The ``/api/v1`` routes, one router per subject: :mod:`.catalogue` (who am I, the
reference catalogue, the hierarchy, refused rules files), :mod:`.figures` (overview,
trend, board, SLA board, scorecards), :mod:`.tickets` (the queue, one ticket,
actions, intake), :mod:`.adjustments`, :mod:`.reports` (daily reports),
:mod:`.assessment` (the ranked levels and the bulletin's facts), :mod:`.geo` (the
map), :mod:`.clock` and :mod:`.changes` (liveness and the change stream).
:func:`gridtui.api.server.create_app` includes them."""

#: the prefix of every versioned route
API = "/api/v1"
