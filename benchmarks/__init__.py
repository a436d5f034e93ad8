"""Speed and responsiveness benchmarks, run by hand: ``python -m benchmarks``.

Every figure is a ratio measured within one run (medians of interleaved
repeats), because absolute times on a shared machine drift.
"""
