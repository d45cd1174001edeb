"""SLA: time-limit policies, several clocks per ticket, and their state.

Policies come from ``sla.toml`` (:func:`.config.parse_sla_config`). A ticket gets the
most specific policy matching its colour, category, channel and assignee kind
(:meth:`.policy.SlaConfig.policy_for`). Each policy runs several clocks: for a grid
worker "on scene within 10 minutes of dispatch"; for a department the public promise
of on site in 3 h, solved in 24 h, feedback in 36 h, accepted in 48 h.

- :mod:`.policy`: the parsed config (thresholds, clock specs, policies, the choice);
- :mod:`.config`: reading it from TOML, and durations;
- :mod:`.engine`: the clocks replayed over a timeline (:func:`.engine.evaluate`);
- :mod:`.clocks`: where a clock stands (:class:`.clocks.ClockStatus`) and how it moves
  on in time (:func:`.clocks.state_at`).

Pure code: the timeline and ``now`` come in, statuses go out.
"""
