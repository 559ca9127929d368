import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_wsgi_application()

from config.session_pages import StoredPageFront  # noqa: E402 (needs the settings get_wsgi_application set up)

# A request whose stored page is still good gets it before Django runs (config.session_pages).
application = StoredPageFront(django_application)
