import json

import pytest
from django.test import override_settings


def test_healthz_answers_without_touching_services(client):
    # No django_db mark: any database access here would raise.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_ready_when_database_and_broker_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_readyz_names_an_unreachable_broker(client):
    response = client.get("/readyz")

    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error:")


def test_readyz_names_an_unreachable_database(client, monkeypatch):
    from config import health

    def database_down() -> None:
        raise ConnectionError("connection refused")

    monkeypatch.setitem(health.READINESS_CHECKS, "database", database_down)
    response = client.get("/readyz")

    assert response.status_code == 503
    assert "database" in response.json()["failed"]
