# paperbot: a slim, non-root image. Configure it with environment variables (see README.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PAPERBOT_DATA_DIR=/data PAPERBOT_METRICS_HOST=0.0.0.0 PAPERBOT_METRICS_PORT=9108
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY bot ./bot
COPY adapters ./adapters
COPY prompts ./prompts
# constraints.txt pins every library to the versions CI tested.
RUN pip install -c constraints.txt . \
    && useradd --create-home --uid 10001 paperbot && mkdir -p /data && chown paperbot /data
USER paperbot
VOLUME ["/data"]
EXPOSE 9108
# /healthz answers 503 when Redis or a platform connection is down; urlopen raises on it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PAPERBOT_METRICS_PORT', '9108'), timeout=3)"]
CMD ["paperbot", "run"]
