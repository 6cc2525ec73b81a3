"""Side-by-side benchmarks: each reports ratios measured in one process run."""
