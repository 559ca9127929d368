"""The web process: shorten a URL, follow a short code, show its visit count."""

import logging
import secrets
from urllib.parse import urlsplit

from flask import Flask, abort, jsonify, redirect, request

from shortener.db import connect

logging.basicConfig(filename="app.log", level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger("shortener")

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.post("/links")
def shorten():
    url = (request.get_json(silent=True) or {}).get("url", "")
    if urlsplit(url).scheme not in ("http", "https"):
        abort(400, "give an http(s) URL")
    code = secrets.token_urlsafe(4)
    connect().execute("INSERT INTO links (code, url) VALUES (?, ?)", (code, url))
    log.info("shortened %s to %s", url, code)
    return jsonify(code=code, short=f"/{code}"), 201


@app.get("/<code>")
def follow(code: str):
    row = connect().execute("UPDATE links SET visits = visits + 1 WHERE code = ? RETURNING url", (code,)).fetchone()
    if row is None:
        abort(404)
    log.info("visit to %s", code)
    return redirect(row["url"], code=302)


@app.get("/links/<code>")
def stats(code: str):
    row = connect().execute("SELECT code, url, visits FROM links WHERE code = ?", (code,)).fetchone()
    if row is None:
        abort(404)
    return jsonify(dict(row))


@app.after_request
def log_request(response):
    log.info("%s %s %s", request.method, request.path, response.status_code)
    return response
