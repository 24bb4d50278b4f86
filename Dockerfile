# salesbot in a container: `python -m bot` as a non-root user, dependencies from the lock file
# (every wheel checked against its hash), nothing fetched at run time.
#   docker build -t salesbot .
#   docker compose up -d        (docker-compose.yml: webhook workers, PostgreSQL, Redis)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH

# The dependencies first, in their own layer: a change to the code does not reinstall them.
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/venv \
    && pip install --require-hashes -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock

RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin salesbot \
    && mkdir -p /app/data /app/.cache && chown salesbot:salesbot /app/data /app/.cache
WORKDIR /app
COPY --chown=root:root alembic.ini ./
COPY --chown=root:root bot ./bot
COPY --chown=root:root handlers ./handlers
COPY --chown=root:root storage ./storage
RUN python -m compileall -q bot handlers storage

# The code belongs to root and is read-only to the bot; it writes only /app/data (the SQLite
# file when DATABASE_URL is not PostgreSQL: mount a volume there) and matplotlib's font cache,
# built here once rather than at the first chart.
USER salesbot
ENV MPLCONFIGDIR=/app/.cache/matplotlib
RUN python -c "import matplotlib.font_manager"

EXPOSE 8080
# /healthz on WEBHOOK_PORT in webhook mode, on HEALTH_PORT when polling; a polling bot with no
# HEALTH_PORT has nothing to ask, and is healthy while its process lives.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as r; port = os.environ.get('WEBHOOK_PORT', '8080') if os.environ.get('WEBHOOK_URL') else os.environ.get('HEALTH_PORT'); sys.exit(0) if not port else r.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]
CMD ["python", "-m", "bot"]
