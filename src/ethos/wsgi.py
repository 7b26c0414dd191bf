import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ethos.settings")

application = get_wsgi_application()


def vetted(app):
    """`app` as a WSGI server without proxy vetting of its own (gunicorn) must serve it.

    `ethos run` hands waitress the trusted proxy, and waitress believes X-Forwarded-* from that
    peer only. gunicorn passes every forwarded header through to Django, which would believe a
    spoofed X-Forwarded-Proto from anyone on the machine, and leaves REMOTE_ADDR the proxy's, so
    the sign-in throttle would count every person behind nginx as one address. The same
    waitress middleware, with the same settings, makes both servers behave alike.
    """
    from django.conf import settings
    from waitress.proxy_headers import proxy_headers_middleware

    return proxy_headers_middleware(
        app,
        trusted_proxy=settings.ETHOS_TRUSTED_PROXY,
        trusted_proxy_count=settings.ETHOS_TRUSTED_PROXY_COUNT,
        trusted_proxy_headers=set(settings.ETHOS_TRUSTED_PROXY_HEADERS),
        clear_untrusted=True,
    )


# gunicorn and other WSGI servers: `gunicorn ethos.wsgi:behind_proxy` (deploy/gunicorn.conf.py).
behind_proxy = vetted(application)
