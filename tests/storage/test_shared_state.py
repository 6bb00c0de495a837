"""What several app servers must share lives in the database they share (issue #20 point 4): the sessions, django-axes'
failure counts and lockouts, the read-limit counters; the per-process memory cache holds nothing the project relies on.
(tests/storage/test_two_servers.py shows it with two running servers.)"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

SRC = Path(__file__).resolve().parents[2] / "src" / "sirecords"


def test_sessions_lockouts_and_counters_are_in_the_database():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert settings.RATELIMIT_USE_CACHE == "reads"
    assert settings.CACHES["reads"]["BACKEND"] in ("sirecords.records.counters.CounterCache",
                                                   "django.core.cache.backends.redis.RedisCache")


def test_no_project_code_keeps_shared_state_in_the_per_process_cache():
    """CACHES["default"] is each process's memory: nothing may count on it (a count kept there would be one per server)."""
    uses = re.compile(r"from django\.core\.cache import (?:cache|caches)\b|caches\[\s*['\"]default|cache_page|\{% cache ")
    found = [str(path.relative_to(SRC)) for path in SRC.rglob("*") if path.suffix in (".py", ".html")
             and uses.search(path.read_text(encoding="utf-8"))]
    assert found == []
