"""Root URLs: the admin for editors; the API and the researcher pages join later."""

from django.contrib import admin
from django.urls import path

admin.site.site_header = "QwenKB curation"
admin.site.site_title = "QwenKB admin"
admin.site.index_title = "Sources, claims and contradictions"

urlpatterns = [
    path("admin/", admin.site.urls),
]
