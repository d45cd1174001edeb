"""The ``gridtui`` command (:mod:`gridtui.cli.main`; ``python -m gridtui.cli`` runs it)."""
