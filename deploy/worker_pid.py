"""For deploy/with-stack only: Ethos with each answer naming the gunicorn worker that made it.

The smoke journey and the load test read `X-Ethos-Worker` to show that requests spread over the
worker processes. An operator's gunicorn serves `ethos.wsgi:behind_proxy`, without this header.
"""

import os

from ethos.wsgi import behind_proxy


def application(environ, start_response):
    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Ethos-Worker", str(os.getpid()))], exc_info)

    return behind_proxy(environ, start)
