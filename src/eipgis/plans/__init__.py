"""Land-use restructurings: scenario files and their operations, comparison, and the optimizer."""
