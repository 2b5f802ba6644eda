"""Risk engines: composite indices, the INFORM model, sensitivity and uncertainty analysis, the
cooperation-risk score, early-warning rules and reporting periods.

Pure NumPy/SciPy; no Django (import-linter keeps it so). The modules:

- ``composite``: normalisation, weighting and aggregation of an indicator matrix (OECD/JRC handbook);
- ``inform``: the INFORM risk model's structure and its 2021 country data, as shipped;
- ``sensitivity``: Monte Carlo uncertainty analysis and Sobol indices of a composite index;
- ``cooperation``: the cooperation-risk score of a country, its drivers and the event uplift;
- ``alerts``: the early-warning rules, evaluated on scores and events;
- ``periods``: quarters and years as reporting periods.
"""
