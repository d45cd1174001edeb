"""Layout breakpoints: from which terminal size (columns, lines) a screen shows more.

Every screen's ``size_class`` is built from these, so a resize across one of them
redraws and a resize between two only reflows.
"""

#: the interactive screens show their extra columns and notes from this many columns
SCREEN_WIDE = 160
#: from this many columns (a 240x67 wall terminal) the interactive screens show more
#: columns and detail: the overview's holders, the grid tree's colours, scorecards side by side
SCREEN_XWIDE = 200
#: the interactive screens draw their figures large from this many lines
SCREEN_TALL = 40
#: the first optional column (the queue's category) or a joined summary line (the
#: risk board's entities by kind beside its chips) fits from this many columns
SCREEN_MEDIUM = 100
#: inline extras fit from this many columns: the overview's channel bars, the SLA
#: board's note on its order
SCREEN_ROOMY = 120
#: the risk board's children show their entities by kind from this many columns
RISK_KINDS_WIDE = 220
#: below this many columns the ticket's fields stand over its clocks
TICKET_NARROW = 110
#: the ticket's clocks show their start/stop columns from this many columns
TICKET_CLOCKS_WIDE = 200
#: the wall shows its side panels from this many columns
WALL_WIDE = 110
#: the wall shows its notes from this many lines
WALL_TALL = 36
