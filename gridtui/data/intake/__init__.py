"""How tickets and rules arrive: fixtures, imports through a column map, the drop folder
and the rules watcher.
"""
