"""WSGI entry point (`make serve` serves it: qwenkb/server.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qwenkb.settings")

application = get_wsgi_application()
