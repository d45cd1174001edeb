"""Reads over the stored city: the queue's pages, the risk board, scorecards, figures and
reports' standing.
"""
