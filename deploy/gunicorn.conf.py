"""gunicorn settings for an application host (docs/deployment.md); `xinfang serve` keeps its own
for the one-machine setup. Every value can be overridden on the command line or with
GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threads, not only processes: most of a request's time is spent waiting for PostgreSQL.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then (a slow leak in a library never grows without bound).
max_requests = 2000
max_requests_jitter = 200
# One line per request on stdout (journald, then shipped; docs/deployment.md "Logs").
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# nginx on this host passes X-Forwarded-For / -Proto; trust them from it only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
