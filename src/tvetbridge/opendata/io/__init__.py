"""Bulk output of the open-data app: IATI XML."""
