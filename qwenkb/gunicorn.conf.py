"""Gunicorn settings for `make serve`: production serving on this machine's cores.

Django is CPU-bound here (serialising JSON), so the worker count follows the cores: two
processes per core keep every core busy while one waits on PostgreSQL, and a few threads
per worker keep idle keep-alive connections from pinning a whole process. Every value can
be overridden from the environment (WEB_CONCURRENCY, WEB_THREADS, HOST, PORT).
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "2"))
# Load the app once in the master, so workers start fast and share its memory.
preload_app = True
# Keep-alive lets a client reuse its connection; behind a proxy it saves a handshake per request.
keepalive = 5
timeout = 30
graceful_timeout = 10
# Recycle a worker now and then, so a slow leak cannot grow without bound.
max_requests = 10000
max_requests_jitter = 1000
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
wsgi_app = "qwenkb.wsgi:application"
