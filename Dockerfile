# The production image: build step only (dependencies from the lock, static files, the grader's wheelhouse and npm
# registry proxy). Config comes at run time. The worker's sandbox needs bubblewrap and util-linux; Node builds need
# nodejs (learners' Node apps run on it in the box) and npm (to install the registry proxy here, scripts off).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH="/app/.venv/bin:$PATH"
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap git make util-linux nodejs npm \
    && rm -rf /var/lib/apt/lists/* && useradd --create-home --uid 1000 academy
WORKDIR /app
COPY requirements.lock ./
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock \
    && touch .venv/.installed
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput --verbosity 0 \
    && touch .venv/.installed && make wheelhouse npm-index
USER academy
ENV PORT=8000
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--config", "config/gunicorn.py"]
