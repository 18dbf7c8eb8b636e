"""Pure domain of vledger: aggregates, events and the rules from the regulations.

Nothing here reads the clock, the network or a file; callers pass ``now``.
"""
