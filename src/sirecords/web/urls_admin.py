"""Staff pages: see web/rules_admin.py for who may reach each."""

urlpatterns: list = []
