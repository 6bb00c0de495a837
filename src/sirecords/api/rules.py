"""Access rules of the API endpoints, by URL name (see sirecords/access.py)."""

RULES: dict = {}
