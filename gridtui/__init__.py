"""gridtui: a terminal command centre for grid-based community governance."""
