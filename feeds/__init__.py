"""Feeds: what was collected (people, items, per-user reading state) and how it is read.

`polling` runs one poll, `ingest` stores its items, `timeline` builds what a learner sees.
"""
