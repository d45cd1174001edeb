"""Where a city is kept: the ORM models, engines and migrations, the change feed and the
wake-ups of readers.
"""
