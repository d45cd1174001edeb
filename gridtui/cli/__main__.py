"""``python -m gridtui.cli``: the ``gridtui`` command (how tests, benchmarks and
``gridtui demo`` start it in a child process)."""

from gridtui.cli.main import main

raise SystemExit(main())
