"""Reads over the stored city: the queue's pages, the wall's overview and trend, the SLA
clocks (ticket detail, SLA board), the risk board, the catalogue, scorecards, figures
and reports' standing. Functions taking a session and returning the records of
:mod:`gridtui.data.sources.records`.
"""
