"""Bulk data in and out of the outcomes tables.

- ``columns``: a queryset's columns as NumPy arrays, without per-value converters;
- ``price_tables``: the shipped exchange-rate and CPI tables and their installation;
- ``records``: trainees, enrolments and employment from CSV/XLSX, on the registry's importer;
- ``incomes``: the income column path (Polars, ``COPY`` on PostgreSQL).
"""
