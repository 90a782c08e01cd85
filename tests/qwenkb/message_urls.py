"""Two views for tests/qwenkb/test_messages.py: one leaves a message and redirects, one shows
the messages waiting (as the admin's pages do after a save)."""

from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path


class CountedStorage(FallbackStorage):
    """Django's default message store, noting each request it is made for."""

    made: list[str] = []

    def __init__(self, request, *args, **kwargs):
        CountedStorage.made.append(request.path)
        super().__init__(request, *args, **kwargs)


def leave(request):
    messages.success(request, "Saved: 50% %s <b>done</b>.")
    return redirect("/shown/")


def shown(request):
    return HttpResponse(" | ".join(str(m) for m in messages.get_messages(request)))


def untouched(request):
    return HttpResponse("nothing read")


urlpatterns = [path("leave/", leave), path("shown/", shown), path("untouched/", untouched)]
