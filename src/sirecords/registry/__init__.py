"""The registry: insured persons, employers and employment periods (第二条(一))."""
