"""Benchmarks: side-by-side ratios, printed, never asserted."""
