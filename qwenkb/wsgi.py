"""WSGI entry point (`make serve` serves it: qwenkb/server.py).

Django hands the server its response object to iterate. Granian iterates such a body from
Rust, taking the GIL back for every chunk and for ``close()``; a list it sends in one call.
A response whose body is already whole (every response but a streamed export or a file) is
therefore handed over as a one-item list, and closed first: closing runs Django's
``request_finished`` (database connections given back) before the bytes go out instead of
after. Under load that was 7% of a worker's time holding the GIL, and 1-8% more requests a
second on the benchmark's questions, cache on or off (bench/notes.md). A streamed response
goes to the server as Django gives it, to be read chunk by chunk and closed at its end.

Loading the app imports every module it serves from (the URLconf imports the views), then
freezes what that made (``gc.freeze``): a worker holds some 110,000 such objects for its
whole life, and without this every full collection of Python's cyclic garbage collector
walked them all, a pause of 60-70 ms every few hundred requests with the GIL held; the
frozen ones are never walked again (bench/notes.md).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qwenkb.settings")

django_application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018  imports the views, serializers and models now
gc.collect()
gc.freeze()


def application(environ, start_response):
    response = django_application(environ, start_response)
    # Anything not known to be whole (a streamed body, a server's file wrapper) passes as is.
    if getattr(response, "streaming", True):
        return response
    try:
        return [response.content]
    finally:
        response.close()
