"""Gunicorn settings for the central role (docs/DEPLOY.md).

    MIAOPI_CONFIG=central gunicorn -c deploy/gunicorn.conf.py wsgi:app

Every value can be changed without editing this file, through the
environment (``/etc/miaopi/miaopi.env`` under systemd):

==============================  ===========================================
``MIAOPI_BIND``                 where to listen (default ``127.0.0.1:8000``;
                                nginx is the only client)
``MIAOPI_GUNICORN_WORKERS``     processes (default ``2 × CPUs + 1``, at most 9)
``MIAOPI_GUNICORN_THREADS``     threads per process (default 16)
``MIAOPI_FORWARDED_ALLOW_IPS``  proxies whose ``X-Forwarded-*`` headers are
                                believed (default ``127.0.0.1,::1``)
==============================  ===========================================

**Worker class: gthread, not sync.** Every kiosk terminal's agent keeps one
request open at all times: ``GET /api/v1/terminal/commands?wait=20`` long-polls
for up to 25 s (``mobile_api/terminal_agent.py``, ``CommandQuerySchema``). A
sync worker would be one *process* held by one terminal, and the sync
worker's ``timeout`` would have to exceed the poll; forty terminals would need
forty processes before a single citizen is served. In a gthread worker a poll
holds one thread that sleeps most of the time, and ``timeout`` watches the
process's main loop, not each request. Several processes (not one) are still
needed because the GIL serialises the CPU-heavy parts: PDF rendering
(reportlab), PAdES signing (pyHanko), rule evaluation. Rule of thumb: keep
``workers × threads`` above twice the number of terminals. (gevent/eventlet
would hold polls even more cheaply but monkey-patch psycopg, requests and
threading, which the rest of the code does not expect.)

**Database connections.** Each process gets a SQLAlchemy pool of
``threads`` connections at most (half kept open, half overflow), so a thread
never waits for a connection, and PostgreSQL's ``max_connections`` must
exceed ``workers × threads`` plus the notification workers, timers and
administrators (deploy/postgresql/miaopi.conf). The pool is given to the
application through ``MIAOPI_SQLALCHEMY_ENGINE_OPTIONS`` unless that is set
already. A long poll returns its connection to the pool between two looks.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re

from gunicorn.glogging import Logger

wsgi_app = "wsgi:app"
proc_name = "miaopi-web"
bind = [os.environ.get("MIAOPI_BIND", "127.0.0.1:8000")]


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours CPUAffinity / cpusets
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


worker_class = "gthread"
workers = int(os.environ.get("MIAOPI_GUNICORN_WORKERS") or min(2 * _cpus() + 1, 9))
threads = int(os.environ.get("MIAOPI_GUNICORN_THREADS") or 16)

# The application's connection pool, sized to the threads (see above).
os.environ.setdefault(
    "MIAOPI_SQLALCHEMY_ENGINE_OPTIONS",
    json.dumps(
        {
            "pool_pre_ping": True,
            "pool_size": max(threads // 2, 1),
            "max_overflow": threads - max(threads // 2, 1),
            "pool_timeout": 10,
            "pool_recycle": 1800,
        }
    ),
)

# A worker whose main loop is silent this long is killed and replaced (a long
# poll does not count: it runs in a thread). Restarts and stops wait for
# requests in flight, a long poll included (at most 25 s).
timeout = 60
graceful_timeout = 30
# nginx keeps connections to us open for 60 s (upstream keepalive_timeout);
# we must keep them longer, or nginx may send a request on a socket we are
# closing at that moment (a 502 for a POST, which nginx does not retry).
keepalive = 75

# Recycle each worker after about this many requests, at staggered moments
# (jitter) so that not all restart at once: bounds slow memory growth.
max_requests = 2000
max_requests_jitter = 200

# The heartbeat file of each worker: on tmpfs, so a slow disk cannot make a
# healthy worker look stuck.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Import the app in each worker, not in the master: no database connection
# or Redis pool can leak across fork(), and `systemctl reload` (HUP) starts
# workers with the new code. Costs some memory per worker.
preload_app = False

# gunicorn ≥ 25 opens a control socket in $XDG_RUNTIME_DIR or ~/.gunicorn;
# under systemd it goes in the unit's RuntimeDirectory, elsewhere (tests,
# several servers on one machine) nowhere.
if os.environ.get("RUNTIME_DIRECTORY"):
    control_socket = os.path.join(os.environ["RUNTIME_DIRECTORY"], "gunicorn.ctl")
    control_socket_mode = 0o600
else:
    control_socket_disable = True

# --------------------------------------------------------------------------
# Behind nginx
# --------------------------------------------------------------------------

forwarded_allow_ips = os.environ.get("MIAOPI_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Only these make a request https (nginx sets X-Forwarded-Proto; the others
# of gunicorn's default are not sent by our nginx and must not be believed).
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}


def _networks(addresses: list[str]) -> list:
    return [
        ipaddress.ip_network(address, strict=False)
        for address in addresses
        if address != "*"
    ]


class _FromTrustedProxy:
    """Werkzeug's ProxyFix, applied only to requests from a trusted proxy.

    gunicorn itself believes ``X-Forwarded-Proto`` from ``forwarded_allow_ips``
    but leaves ``REMOTE_ADDR`` as nginx's address. The application limits the
    public verification page per client address (Flask-Limiter keys on
    ``REMOTE_ADDR``), so without this every citizen would share one counter.
    ProxyFix takes the client address nginx puts in ``X-Forwarded-For`` (nginx
    overwrites the header, one hop) and the public host name in
    ``X-Forwarded-Host`` (so links and QR codes built on a kiosk page point to
    the public site, not to the terminals' host). A request that does not come
    from a trusted proxy (a UNIX socket counts as trusted) is left alone.
    """

    def __init__(self, app, trusted: list[str]) -> None:
        from werkzeug.middleware.proxy_fix import ProxyFix

        self.app = app
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)
        self.any = "*" in trusted
        self.networks = _networks(trusted)

    def trusted(self, address: str) -> bool:
        if self.any or not address:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def post_worker_init(worker) -> None:
    """Wrap the loaded application (``wsgi:app``) in the trusted ProxyFix."""
    trusted = list(worker.cfg.forwarded_allow_ips)
    worker.wsgi = _FromTrustedProxy(worker.wsgi, trusted)


# --------------------------------------------------------------------------
# Logs: to stdout/stderr, which systemd hands to journald.
# --------------------------------------------------------------------------

accesslog = "-"
errorlog = "-"
loglevel = "info"
# The path without its query string (%(U)s, not %(r)s or %(q)s), no referer
# (%(f)s: another page's URL, query included) and no user agent. URLs are
# designed to carry no personal data; the path's capability tokens
# (verification and pickup links) are cut off by the logger below.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms <%(p)s>'

# /verify/<token>, /verify/pickup/<token>, /api/v1/verify/<token>[/document]:
# a token opens a document's status or, for a pickup, the PDF itself.
_TOKEN_PATH = re.compile(r"^(/(?:api/v1/)?verify/(?:pickup/)?)[^/]+")


class RedactingLogger(Logger):
    """gunicorn's logger with verification and pickup tokens cut from paths."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = atoms.get("U") or ""
        atoms["U"] = _TOKEN_PATH.sub(r"\1<token>", path)
        return atoms


logger_class = RedactingLogger
