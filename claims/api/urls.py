"""REST API routes (under /api/)."""

app_name = "api"
urlpatterns: list = []
