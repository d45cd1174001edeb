"""The live writes to tickets, the points ledger and daily reports: the ticket service and
the jobs it is split into, the rules' runtimes, the sweepers and at-most-once writes.
(Tickets written in bulk are the importer's, :mod:`gridtui.data.intake`, and the seed's,
:mod:`gridtui.data.seeding`.)
"""
