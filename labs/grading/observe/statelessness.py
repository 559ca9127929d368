"""Statelessness: a value written through one deploy, read back through the other."""

from __future__ import annotations

import json
import secrets

from labs.grading.definitions import Endpoint
from labs.grading.observe.session import Session
from labs.grading.report import StateProbe, WebInstance


def state(session: Session, write: Endpoint, read: Endpoint, a: WebInstance, b: WebInstance) -> StateProbe:
    """B read before, A written to, B read twice after, by the contract's endpoints."""
    probe = StateProbe(nonce=secrets.token_hex(8))
    sep = "&" if "?" in write.path else "?"
    try:
        probe.reads.append(_read(session, b.port, read))
        result = session.http(
            a.port,
            f"{write.path}{sep}value={probe.nonce}",
            method=write.method,
            body=json.dumps({"value": probe.nonce}).encode(),
            headers={"Content-Type": "application/json"},
        )
        probe.write_status = result.status
        probe.reads.append(_read(session, b.port, read))
        probe.reads.append(_read(session, b.port, read))
    except Exception as exc:
        probe.error = str(exc)[:200]
    return probe


def _read(session: Session, port: int, endpoint: Endpoint) -> tuple[int, bytes]:
    result = session.http(port, endpoint.path, method=endpoint.method)
    return result.status, result.body[:4096]
