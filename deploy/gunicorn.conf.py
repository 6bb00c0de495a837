"""Gunicorn settings for sirecords (docs/deployment.md). Installed as /etc/sirecords/gunicorn.conf.py and used by
deploy/systemd/sirecords.service: `gunicorn -c /etc/sirecords/gunicorn.conf.py sirecords.wsgi`."""

import multiprocessing
import os
import shutil

# nginx reaches the server through the Unix socket; Prometheus on this host scrapes 127.0.0.1:8001/metrics with the
# bearer token (nginx refuses /metrics). Nothing listens on a public address. Under systemd, sirecords.socket makes
# both and hands them over (gunicorn then ignores `bind`); without it, gunicorn binds these itself.
bind = [os.environ.get("GUNICORN_SOCKET", "unix:/run/sirecords.sock"),
        os.environ.get("GUNICORN_METRICS_BIND", "127.0.0.1:8001")]
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"  # each request is one database transaction; nginx buffers slow clients
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))  # an upload's full parse stays well inside (docs/operations.md)
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then; the jitter keeps them from restarting together
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm"
limit_request_line = 8190
limit_request_fields = 100

# Only the local nginx may claim HTTPS through X-Forwarded-Proto (settings: BEHIND_TLS_PROXY=1).
forwarded_allow_ips = "127.0.0.1,::1"

# Logs to standard output and error: journald keeps them (deploy/journald/sirecords-retention.conf).
# The access line has the path without its query string: a query may hold an ID number or a name.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'

# Prometheus multiprocess mode (sirecords/web/metrics.py): each worker writes its request counts here and a scrape
# adds them up. Emptied when the server starts; a dead worker's gauges are dropped.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/run/sirecords/metrics")


def on_starting(server):
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, mode=0o700, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
