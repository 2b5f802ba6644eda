"""Bulk data in and out of the database for the matching engines.

- ``columns``: a query's columns as NumPy arrays (packed binary on PostgreSQL);
- ``arrays``: demand, programmes and occupations as the gap and allocation engines take them;
- ``candidates``: the candidate engine's inputs read, its lists written (``COPY`` on PostgreSQL).
"""
