"""Outcome engines: impact estimators, their models, overlap and matching.

Pure NumPy/SciPy; no Django (an import-linter contract keeps it so).
"""
