"""The API's URLs (mounted at /api/)."""

urlpatterns: list = []
