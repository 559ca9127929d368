"""Health endpoints for the platform: /healthz says the process is alive, /readyz that its services answer."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu.connection import Connection

BROKER_TIMEOUT_SECONDS = 2


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def database_ready() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def broker_ready() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)


READINESS_CHECKS = {"database": database_ready, "broker": broker_ready}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results, failed = {}, []
    for name, check in READINESS_CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the body says which and why
            results[name] = f"error: {type(exc).__name__}: {exc}"[:300]
            failed.append(name)
        else:
            results[name] = "ok"
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed, "checks": results}, status=503)
    return JsonResponse({"status": "ready", "checks": results})
