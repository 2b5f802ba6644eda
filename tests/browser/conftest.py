"""The browser tests' chromium and page fixtures live in tests/conftest.py, shared with the apps'
browser tests: one sync Playwright session per process."""
