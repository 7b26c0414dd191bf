"""gunicorn settings for Ethos behind nginx: `gunicorn -c deploy/gunicorn.conf.py`.

Every worker is a separate process; nothing a request needs lives in one of them (sessions,
vault session halves, sign-in throttles and the task queue are rows in the database), so nginx
may send any request to any worker, and more machines may run more of them.
"""

import os

# The application that vets forwarded headers as `ethos run` does (see ethos/wsgi.py).
wsgi_app = os.environ.get("ETHOS_WSGI_APP", "ethos.wsgi:behind_proxy")
# Loopback only: nginx is the one door in.
bind = [os.environ.get("ETHOS_BIND", "127.0.0.1:8000")]
# Two or three workers per core; each takes a few threads so a slow sign-in (Argon2, ~150 ms)
# does not hold the others up.
workers = int(os.environ.get("ETHOS_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("ETHOS_THREADS", "4"))
# Argon2 at production cost and a compliance PDF stay well inside this.
timeout = 60
graceful_timeout = 20
# gunicorn would believe X-Forwarded-Proto from these for its own wsgi.url_scheme; ethos.wsgi
# decides for Django, from ETHOS_TRUSTED_PROXY alone, and both name the same peer.
forwarded_allow_ips = os.environ.get("ETHOS_TRUSTED_PROXY", "127.0.0.1")
# Request lines to stdout with the worker's pid, so an operator sees how requests spread.
accesslog = os.environ.get("ETHOS_ACCESS_LOG", "-")
access_log_format = '%(h)s pid=%(p)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
# gunicorn 25+ opens a control socket in the home folder; two instances on one machine (a test
# beside a real one) would fight over it, and Ethos needs none.
control_socket_disable = True

# Load Django and Ethos once, in the master, before the workers are forked: a worker that dies
# (or is killed, as deploy/faults.py does every half second) is replaced by a fork that answers at
# once, instead of one that first imports everything again. Loading opens no database connection
# (Django connects on a request's first query), so none is shared across the fork.
preload_app = True


def when_ready(server):
    """Load the note checker's rules and model in the master, before the first worker is forked.

    Each worker then starts with them in memory (inherited at the fork) instead of reading and
    building them on its first note. A worker that dies, or is killed as deploy/faults.py does
    every half second, is replaced by one that answers the note page sooner. They need no
    settings and open no database connection.
    """
    from ethos.language.model import load_model
    from ethos.language.rules import load_rules

    load_rules()
    load_model()
