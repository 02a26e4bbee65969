"""Benchmarks: run with `make bench`; they report ratios measured side by side in one run."""
