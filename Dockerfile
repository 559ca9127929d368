# The production image: build step only (dependencies from the lock, static files). Config comes at run time.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH="/app/.venv/bin:$PATH"
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap git make \
    && rm -rf /var/lib/apt/lists/* && useradd --create-home --uid 1000 academy
WORKDIR /app
COPY requirements.lock ./
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput --verbosity 0
USER academy
ENV PORT=8000
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--config", "config/gunicorn.py"]
