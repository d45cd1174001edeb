"""The boundary the screens and the API see: the DataSource protocol, its database source
(LocalSource over the wiring of SourceDatabase), records and tokens.
"""
