"""Staff pages: see web/rules_desk.py for who may reach each."""

urlpatterns: list = []
