"""The deterministic demo: synthetic people, employers and histories posted through the same reviewed
transactions the front desk uses, and the sample builders the tests and benchmarks share."""
