"""The boundary the screens and the API see: the DataSource protocol, its database source,
records and tokens.
"""
