"""The web process: sign in, sign the guestbook, attach a photo, applaud."""

import logging
import os
import secrets
import sys

from flask import Flask, abort, jsonify, request, send_from_directory
from werkzeug.utils import secure_filename

from guestbook.db import connect

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
log = logging.getLogger("guestbook.web")

app = Flask(__name__)
UPLOADS = os.path.abspath("uploads")
os.makedirs(UPLOADS, exist_ok=True)

SESSIONS = {}  # session id (from the cookie) -> visitor name
CLAPS = 0


def visitor() -> str | None:
    return SESSIONS.get(request.cookies.get("sid", ""))


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.post("/login")
def login():
    name = (request.get_json(silent=True) or {}).get("name", "").strip()
    if not name:
        abort(400, "tell us your name")
    sid = secrets.token_urlsafe(16)
    SESSIONS[sid] = name
    response = jsonify(name=name)
    response.set_cookie("sid", sid, httponly=True, samesite="Lax")
    return response


@app.get("/entries")
def entries():
    rows = connect().execute("SELECT id, name, message FROM entries WHERE hidden = 0 ORDER BY id DESC").fetchall()
    return jsonify(entries=[dict(row) for row in rows])


@app.post("/entries")
def sign():
    name = visitor()
    message = (request.get_json(silent=True) or {}).get("message", "").strip()
    if name is None:
        abort(401, "log in first")
    if not message:
        abort(400, "write a message")
    entry_id = connect().execute("INSERT INTO entries (name, message) VALUES (?, ?)", (name, message)).lastrowid
    return jsonify(id=entry_id), 201


@app.post("/entries/<int:entry_id>/photo")
def upload_photo(entry_id: int):
    photo = request.files.get("photo")
    if photo is None or not photo.filename:
        abort(400, "attach a file named photo")
    photo.save(os.path.join(UPLOADS, f"{entry_id}-{secure_filename(photo.filename)}"))
    return jsonify(entry=entry_id), 201


@app.get("/entries/<int:entry_id>/photo")
def photo(entry_id: int):
    names = [n for n in os.listdir(UPLOADS) if n.startswith(f"{entry_id}-")]
    if not names:
        abort(404)
    return send_from_directory(UPLOADS, names[0])


@app.get("/claps")
def claps():
    return jsonify(claps=CLAPS)


@app.post("/claps")
def clap():
    global CLAPS
    CLAPS += 1
    return jsonify(claps=CLAPS)
