# paperbot: a slim, non-root image. Configure it with environment variables (see README.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PAPERBOT_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY prompts ./prompts
RUN pip install . && useradd --create-home --uid 10001 paperbot && mkdir -p /data \
    && chown paperbot /data
USER paperbot
VOLUME ["/data"]
CMD ["paperbot", "run"]
