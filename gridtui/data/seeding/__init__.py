"""Deterministic histories for the demo city and a Taiyuan-scale city, and their bulk
writers.
"""
