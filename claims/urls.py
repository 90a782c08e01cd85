"""Researcher pages (filled in by the web UI)."""

app_name = "web"
urlpatterns: list = []
