"""Taxonomy engines: free text → ESCO/CSCO codes and the ESCO package data they read.

Pure Python/NumPy/SciPy; no Django (an import-linter contract keeps it so).
"""
