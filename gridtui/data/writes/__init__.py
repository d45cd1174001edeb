"""Every change to a ticket and the ledger: the service, the rules' runtimes, the sweepers
and at-most-once writes.
"""
