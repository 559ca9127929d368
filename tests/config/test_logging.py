import json
import logging

from config.logging import JsonFormatter, current_request_id


def format_record(record: logging.LogRecord) -> dict:
    return json.loads(JsonFormatter().format(record))


def make_record(name: str = "academy", msg: str = "hello %s", args=("world",)) -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)


def test_log_line_has_time_level_logger_and_message():
    line = format_record(make_record())

    assert line["level"] == "WARNING"
    assert line["logger"] == "academy"
    assert line["message"] == "hello world"
    assert line["time"].endswith("+00:00")


def test_log_line_carries_the_current_request_id():
    token = current_request_id.set("req-12345678")
    try:
        line = format_record(make_record())
    finally:
        current_request_id.reset(token)

    assert line["request_id"] == "req-12345678"


def test_gunicorn_access_atoms_become_fields():
    atoms = {"m": "GET", "U": "/healthz", "s": "200", "M": 3, "{x-request-id}o": "abcdef123456", "q": ""}
    record = make_record("gunicorn.access", "%(m)s %(U)s", (atoms,))

    line = format_record(record)

    assert line["method"] == "GET"
    assert line["path"] == "/healthz"
    assert line["status"] == "200"
    assert line["duration_ms"] == 3
    assert line["request_id"] == "abcdef123456"
    assert "query" not in line


def test_exception_is_part_of_the_same_json_object():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("academy", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())

    text = JsonFormatter().format(record)

    assert "\n" not in text
    assert "ValueError: boom" in json.loads(text)["exc_info"]


def test_request_id_header_is_echoed_when_valid_and_replaced_when_not(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "trace-abc-123"})
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})

    assert kept["X-Request-ID"] == "trace-abc-123"
    assert replaced["X-Request-ID"] != "bad id\nwith newline"
    assert len(replaced["X-Request-ID"]) == 32


def test_console_email_is_one_json_log_event(settings, caplog):
    from django.core.mail import send_mail

    settings.EMAIL_BACKEND = "config.mail.JsonConsoleEmailBackend"
    with caplog.at_level(logging.INFO, logger="mail"):
        send_mail("Subject line", "Body text", "from@example.com", ["to@example.com"])

    (record,) = [r for r in caplog.records if r.name == "mail"]
    line = json.loads(JsonFormatter().format(record))
    assert line["subject"] == "Subject line"
    assert line["to"] == ["to@example.com"]
