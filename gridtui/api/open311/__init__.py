"""Open311 GeoReport v2 over the centre's tickets (mounted at ``/open311/v2``), and its
test endpoint, the sandbox (``/open311/sandbox/v2``: the same routes, whose reports
are kept apart from the tickets, :mod:`.sandbox`).

Existing 311 apps and tools read the catalogue and the tickets and file new reports:

- ``GET discovery.{fmt}``: the production and test endpoints, each in both formats;
- ``GET services.{fmt}``: one service per ticket category;
- ``GET services/{code}.{fmt}``: the service definition (no extra attributes);
- ``GET requests.{fmt}``: tickets by a list of ids, or by category, time window and
  status (by default the last 90 days), newest first, at most 1,000;
- ``GET requests/{id}.{fmt}``: one ticket;
- ``POST requests.{fmt}``: a new ticket, form-encoded, with an ``api_key`` that is a
  gridtui token whose role may open tickets.

``fmt`` is ``json`` or ``xml``; both carry the same content (XML as ``Content-Type:
text/xml`` exactly, UTF-8 declared in its prolog). GETs are public, as the
specification says; they show what a citizen may see of a ticket (no reporter, worker
or contact details; for matters about persons — disputes, counselling, visits … — no
description, address or coordinates either: the category's ``personal`` flag, from
``categories.csv``). Errors are
GeoReport errors (``[{"code", "description"}]`` or ``<errors><error>…``) with HTTP
400, 403 or 404 (405 for a wrong method, 503 when the database is away); the path's
suffix picks their format. See ``docs/open311.md``.

The package: :mod:`.routes` (the sub-applications and their error handlers),
:mod:`.documents` (the documents over the data source), :mod:`.query` (request
parameters parsed and checked), :mod:`.places` (the grid a report goes to),
:mod:`.xml` (JSON or XML rendering, error documents), :mod:`.errors`, :mod:`.sandbox`
(the test endpoint). Every read and write goes through the data source (its public
reads, ``open_ticket`` and its ``sandbox``), never SQL.
"""
