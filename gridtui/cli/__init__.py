"""The ``gridtui`` command, one module per group of commands.

:mod:`~gridtui.cli.main` assembles the parser and runs a command (the console script
is ``gridtui.cli.main:main``; ``python -m gridtui.cli`` is the same); each command
opens what it works on through :mod:`~gridtui.cli.sources`, calls the data, API,
simulator or app layer, and prints the outcome:

- :mod:`~gridtui.cli.db`: ``db upgrade``, ``load``, ``seed``
- :mod:`~gridtui.cli.imports`: ``import``, ``watch``
- :mod:`~gridtui.cli.geo`: ``geo load``, ``geo place``
- :mod:`~gridtui.cli.stats`: ``stats``
- :mod:`~gridtui.cli.serve`: ``serve``, ``sweep``, ``token``
- :mod:`~gridtui.cli.tui`: ``tui``, ``wall``, ``snapshot``, ``demo``
- :mod:`~gridtui.cli.simulate`: ``simulate``
"""
