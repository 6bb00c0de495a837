"""Access rules of the pages in web/urls_desk.py, by URL name (see sirecords/access.py)."""

RULES: dict = {}
