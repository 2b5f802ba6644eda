"""Pure computation for teachers: language scales and their common rank, and the shortage analysis."""
