"""The API's URLs (mounted at /api/): namespace "api", one URL name per operation (api/rules.py)."""

from django.urls import path

from sirecords.api.api import api

urlpatterns = [path("", api.urls)]
