"""A deterministic synthetic project in the real input formats, for benchmarks and scale tests."""
