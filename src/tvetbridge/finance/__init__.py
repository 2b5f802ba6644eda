"""Funding instruments, fund ledger and the Monte Carlo engine that prices and stresses them."""
