"""The benchmark suite: ``python -m benchmarks`` (or ``make bench``), not part of the tests.

It imports nothing at package level, so the parse worker processes start lean.
"""
