"""Response headers every page carries, refusing unusable requests, and database outages."""

import logging
import sys

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotFound,
    HttpResponseServerError,
    JsonResponse,
)
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject, empty
from psycopg.errors import QueryCanceled

from qwenkb.outage import UNREACHABLE

logger = logging.getLogger(__name__)

DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    """Send a Content-Security-Policy that forbids inline script on every response.

    The API's interactive docs need the same policy: they are served from our own static
    files, with no inline script.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class LazyMessageMiddleware(MessageMiddleware):
    """Django's ``MessageMiddleware`` with the message store made when first used.

    Django makes the store (a cookie store and a session store) for every request and saves
    it after. An API request, a static file or a cached page never touches it, and making it
    was 5% of a worker's time on a read-cache hit (bench/notes.md). Here ``request._messages`` is
    lazy: ``messages.add_message``, ``get_messages`` and the templates' context processor
    make it when they reach it, and only a store that was made is saved.
    """

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        stored = getattr(request, "_messages", None)
        if isinstance(stored, SimpleLazyObject) and stored._wrapped is empty:
            return response  # never used: nothing to save
        return super().process_response(request, response)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


class RequestGuardMiddleware:
    """Refuse what no view can use before any view sees it: a NUL in the path or the query.

    PostgreSQL cannot hold a NUL in a text value, so a look-up by such a slug or search
    text would fail in the database; the answer is a 404 for a path (no object has that
    name) and a 400 naming the parameter for a query value.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            if _is_api(request):
                return JsonResponse(
                    {"detail": "No object has a name with a NUL in it."}, status=404
                )
            return HttpResponseNotFound(render_to_string("404.html", request=request))
        bad = sorted(
            name
            for name, values in request.GET.lists()
            if "\x00" in name or any("\x00" in value for value in values)
        )
        if bad:
            message = "Null characters are not allowed."
            if _is_api(request):
                return JsonResponse(
                    {name.replace("\x00", "\\0"): [message] for name in bad}, status=400
                )
            errors = [(name.replace("\x00", "\\0"), "query parameter", [message]) for name in bad]
            page = render_to_string("400.html", {"errors": errors}, request=request)
            return HttpResponseBadRequest(page)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached is a 503 with Retry-After, not a 500; a request the
    database stopped for taking too long (``DB_REQUEST_TIMEOUT``) is a 503 saying so.

    API clients get JSON they can act on (wait and retry, or ask for less); people get a
    page saying so.
    """

    retry_after = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UNREACHABLE):
            return None
        return database_unavailable(request, exception)


def database_unavailable(request, exception: Exception) -> HttpResponse:
    """The 503 for a database that cannot be reached, or that stopped a request's statement
    after ``DB_REQUEST_TIMEOUT`` seconds: JSON on the API, a page elsewhere. Only the first
    says to retry; the second says to ask for less."""
    timed_out = isinstance(exception.__cause__, QueryCanceled)
    if timed_out:
        seconds = f"{settings.DB_REQUEST_TIMEOUT:g}"
        logger.warning("Request stopped after %s s in the database: %s", seconds, exception)
        detail = (
            f"The database worked on this request for more than {seconds} s and stopped it. "
            "Ask for less: a shorter search, fewer or narrower filters, a smaller page."
        )
    else:
        logger.error("Database unavailable: %s", exception)
        detail = "The database is unavailable; retry in a moment."
    if _is_api(request):
        response: HttpResponse = JsonResponse({"detail": detail}, status=503)
    else:
        context = {"timed_out": timed_out, "detail": detail}
        response = HttpResponse(render_to_string("503.html", context, request=request), status=503)
    if not timed_out:
        response["Retry-After"] = str(DatabaseUnavailableMiddleware.retry_after)
    return response


def server_error(request) -> HttpResponse:
    """Django's 500 handler: a database outage met outside a view is still a 503.

    ``process_exception`` above only sees what views raise. A failure in another middleware
    (saving a session after the view, loading the user) reaches Django's handler instead,
    which calls this while the exception is being handled, so ``sys.exc_info`` names it.
    """
    exception = sys.exc_info()[1]
    if isinstance(exception, UNREACHABLE):
        return database_unavailable(request, exception)
    # No request context: a failing context processor must not fail the error page too.
    return HttpResponseServerError(render_to_string("500.html"))
