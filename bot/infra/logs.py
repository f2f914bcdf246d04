"""Logging set-up: plain lines on stderr with every configured secret redacted."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence

from bot.infra.env_settings import EnvSettings
from bot.infra.settings import Settings

# Telegram bot tokens (also inside ".../bot<token>/getMe") and Google API keys
_TOKENISH = re.compile(
    r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}(?![A-Za-z0-9_-])"
    r"|(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{30,}(?![A-Za-z0-9_-])"
)


class RedactSecrets(logging.Filter):
    """Replaces secret values (and token-shaped strings) in every record with '***'."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 4]

    def redact(self, text: str) -> str:
        """The text with secrets masked."""
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return _TOKENISH.sub("***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Format the record once, masked, so no argument can leak a secret."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging would print its arguments to stderr
            message = f"{record.msg} (the log call's arguments did not fit its message)"
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.redact(message)
        record.args = ()
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def secrets_of(settings: EnvSettings) -> list[str]:
    """Every secret value the settings hold (the core's, or one platform's)."""
    return settings.secret_values()


class JsonFormatter(logging.Formatter):
    """One JSON object a line (time, level, logger, message, exception) for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON; the message is already redacted by RedactSecrets."""
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(
    settings: Settings, *, verbose: bool, secrets: Sequence[str] | None = None
) -> None:
    """Log to stderr (INFO when running, WARNING for one-shot commands), secrets redacted.

    ``secrets`` (default: the core's) are masked; the CLI adds every platform's.
    ``PAPERBOT_LOG_FORMAT=json`` writes one JSON object a line instead of plain text.
    """
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(list(secrets_of(settings) if secrets is None else secrets)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    for noisy in ("httpx", "httpcore", "arxiv", "google_genai", "telegram.ext", "discord"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # bibtexparser warns per malformed entry with a piece of the user's file: the reply says it
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)
