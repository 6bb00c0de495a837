"""Access rules of the pages in web/urls_admin.py, by URL name (see sirecords/access.py)."""

RULES: dict = {}
