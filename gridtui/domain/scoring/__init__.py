"""Points-based assessment (积分、加减分考核): rules, the append-only ledger, rankings.

Every task the platform records generates points automatically, and an item stops
accumulating once it reaches its maximum (达到最高分值后不再累加).

- :mod:`.rules`: who is scored, periods, events, rules and penalties, the parsed config;
- :mod:`.config`: reading that config from TOML (``fixtures/scoring.toml``);
- :mod:`.caps`: the ledger entry and the one place a cap is applied
  (:func:`.caps.capped_award`);
- :mod:`.engine`: awards, adjustments, periods, totals and rankings
  (:class:`.engine.ScoringEngine`).

Nothing here reads a clock or does I/O: time is always passed in.
"""
