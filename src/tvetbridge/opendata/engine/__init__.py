"""Pure computation of the open-data app (no Django)."""
