"""WSGI entry point for gunicorn: `gunicorn sirecords.wsgi`. Refuses to start without the keys."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sirecords.settings")

from sirecords.crypto.keys import load_keys  # noqa: E402

load_keys()  # raises KeysMissing: no keys, no server
application = get_wsgi_application()
