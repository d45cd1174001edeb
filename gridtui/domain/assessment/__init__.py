"""Area, worker and department assessment (周督查、月通报、年总评): figures, weighted
scores and ranks by the rules of ``assessment.toml``."""
