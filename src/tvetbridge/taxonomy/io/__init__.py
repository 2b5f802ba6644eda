"""Bulk data in and out of the taxonomy (the ESCO package-data build)."""
