"""One typed settings object, read from the environment (and a .env file)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.papers.models import LANGUAGES, Language

Provider = Literal["gemini", "openai", "extractive"]
PROVIDERS: tuple[Provider, ...] = ("gemini", "openai", "extractive")

DEFAULT_MODELS: dict[Provider, str] = {
    "gemini": "gemini-2.5-flash",
    "openai": "gpt-4o-mini",
    "extractive": "extractive",
}
GEMINI_EMBEDDING_DIMENSIONS = 768  # Google's recommended smaller size; 3072 is its default


ARXIV_API_URL = "https://export.arxiv.org/api/query"
ARXIV_HTML_URL = "https://arxiv.org/html"
ARXIV_PDF_URL = "https://arxiv.org/pdf"
ARXIV_RSS_URL = "https://rss.arxiv.org/rss"
DEFAULT_DATA_DIR = Path.home() / ".local/share/paperbot"


class SettingsError(ValueError):
    """A setting has a value paperbot cannot use."""


class Secret:
    """A secret string that never prints itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        """The secret itself, for handing to a client library."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _secret(env: Mapping[str, str], name: str) -> Secret | None:
    value = env.get(name, "").strip()
    return Secret(value) if value else None


def _number(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw[:20]!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum:g}")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = env.get(name, "").strip().lower() or choices[0]
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    value = int(_number(env, name, default, 0))
    if value > 65535:
        raise SettingsError(f"{name} must be 0 to 65535")
    return value


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if not value.startswith(("http://", "https://")):
        raise SettingsError(f"{name} must be an http(s) URL")
    return value.rstrip("/")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything paperbot reads from its environment."""

    redis_url: str | None = None
    data_dir: Path = DEFAULT_DATA_DIR
    redis_prefix: str = "paperbot:"
    llm_provider: Provider = "extractive"
    llm_model: str = "extractive"
    gemini_api_key: Secret | None = None
    gemini_base_url: str | None = None
    openai_api_key: Secret | None = None
    openai_base_url: str | None = None
    llm_timeout_s: float = 120.0
    gemini_thinking_budget: int | None = None  # None: the model's own (dynamic) thinking
    embedding_model: str | None = None  # None: questions are matched to passages by BM25 alone
    embedding_dimensions: int | None = None  # None: the model's own size
    arxiv_api_url: str = ARXIV_API_URL
    arxiv_html_url: str = ARXIV_HTML_URL
    arxiv_pdf_url: str = ARXIV_PDF_URL
    arxiv_delay_s: float = 3.0
    arxiv_timeout_s: float = 30.0
    language: Language = "en"
    telegram_token: Secret | None = None
    telegram_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: Secret | None = None
    discord_token: Secret | None = None
    discord_api_url: str | None = None
    discord_gateway_url: str | None = None
    user_rate_limit: int = 20
    log_format: str = "text"  # text | json
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9108  # 0: no /healthz or /metrics server
    llm_concurrency: int = 4
    llm_rpm: int = 0
    arxiv_rss_url: str = ARXIV_RSS_URL
    catchup_hours: float = 6.0
    prefetch_minutes: float = 30.0  # summaries of a digest are written this long before it

    @property
    def fetch_hosts(self) -> frozenset[str]:
        """The only hosts paperbot downloads papers and figures from."""
        from urllib.parse import urlsplit

        urls = (self.arxiv_api_url, self.arxiv_html_url, self.arxiv_pdf_url, self.arxiv_rss_url)
        return frozenset((urlsplit(u).hostname or "").lower() for u in urls)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
        """Read settings from ``env`` (default: os.environ plus ./.env when present)."""
        if env is None:
            merged = dict(_read_dotenv(dotenv or Path(".env")))
            merged.update(os.environ)
            env = merged
        gemini_key = _secret(env, "GEMINI_API_KEY") or _secret(env, "GOOGLE_API_KEY")
        openai_key = _secret(env, "OPENAI_API_KEY")
        provider_raw = env.get("PAPERBOT_LLM_PROVIDER", "").strip().lower()
        if not provider_raw:
            provider_raw = "gemini" if gemini_key else "extractive"
        if provider_raw not in PROVIDERS:
            raise SettingsError(f"PAPERBOT_LLM_PROVIDER must be one of {', '.join(PROVIDERS)}")
        provider: Provider = provider_raw
        if provider == "gemini" and not gemini_key:
            raise SettingsError("PAPERBOT_LLM_PROVIDER=gemini needs GEMINI_API_KEY")
        openai_base = env.get("PAPERBOT_OPENAI_BASE_URL", "").strip() or None
        if provider == "openai" and not (openai_key or openai_base):
            raise SettingsError(
                "PAPERBOT_LLM_PROVIDER=openai needs OPENAI_API_KEY or PAPERBOT_OPENAI_BASE_URL"
            )
        language = env.get("PAPERBOT_LANGUAGE", "en").strip().lower() or "en"
        if language not in LANGUAGES:
            raise SettingsError(f"PAPERBOT_LANGUAGE must be one of {', '.join(LANGUAGES)}")
        embedding_model = env.get("PAPERBOT_EMBEDDING_MODEL", "").strip() or None
        if embedding_model and provider == "extractive":
            raise SettingsError(
                "PAPERBOT_EMBEDDING_MODEL needs PAPERBOT_LLM_PROVIDER=gemini or openai "
                "(the embeddings come from that provider)"
            )
        dimensions = int(_number(env, "PAPERBOT_EMBEDDING_DIMENSIONS", 0, 0)) or None
        thinking = env.get("PAPERBOT_GEMINI_THINKING_BUDGET", "").strip()
        thinking_budget = (
            int(_number(env, "PAPERBOT_GEMINI_THINKING_BUDGET", 0, -1)) if thinking else None
        )
        if embedding_model and provider == "gemini" and dimensions is None:
            dimensions = GEMINI_EMBEDDING_DIMENSIONS
        data_dir = env.get("PAPERBOT_DATA_DIR", "").strip()
        model = env.get("PAPERBOT_LLM_MODEL", "").strip() or DEFAULT_MODELS[provider]
        return cls(
            redis_url=env.get("REDIS_URL", "").strip() or None,
            data_dir=Path(data_dir).expanduser() if data_dir else DEFAULT_DATA_DIR,
            redis_prefix=env.get("PAPERBOT_REDIS_PREFIX", "").strip() or "paperbot:",
            llm_provider=provider,
            llm_model="extractive" if provider == "extractive" else model,
            gemini_api_key=gemini_key,
            gemini_base_url=env.get("PAPERBOT_GEMINI_BASE_URL", "").strip() or None,
            openai_api_key=openai_key,
            openai_base_url=openai_base,
            llm_timeout_s=_number(env, "PAPERBOT_LLM_TIMEOUT_SECONDS", 120.0, 1.0),
            gemini_thinking_budget=thinking_budget,
            embedding_model=embedding_model,
            embedding_dimensions=dimensions if embedding_model else None,
            arxiv_api_url=_url(env, "PAPERBOT_ARXIV_API_URL", ARXIV_API_URL),
            arxiv_html_url=_url(env, "PAPERBOT_ARXIV_HTML_URL", ARXIV_HTML_URL),
            arxiv_pdf_url=_url(env, "PAPERBOT_ARXIV_PDF_URL", ARXIV_PDF_URL),
            arxiv_delay_s=_number(env, "PAPERBOT_ARXIV_DELAY_SECONDS", 3.0),
            arxiv_timeout_s=_number(env, "PAPERBOT_ARXIV_TIMEOUT_SECONDS", 30.0, 1.0),
            language=language,
            telegram_token=_secret(env, "TELEGRAM_BOT_TOKEN"),
            telegram_base_url=env.get("PAPERBOT_TELEGRAM_BASE_URL", "").strip() or None,
            telegram_webhook_url=env.get("PAPERBOT_TELEGRAM_WEBHOOK_URL", "").strip() or None,
            telegram_webhook_listen=env.get("PAPERBOT_TELEGRAM_WEBHOOK_LISTEN", "").strip()
            or "0.0.0.0",
            telegram_webhook_port=int(_number(env, "PAPERBOT_TELEGRAM_WEBHOOK_PORT", 8443, 1)),
            telegram_webhook_secret=_secret(env, "PAPERBOT_TELEGRAM_WEBHOOK_SECRET"),
            discord_token=_secret(env, "DISCORD_BOT_TOKEN"),
            discord_api_url=env.get("PAPERBOT_DISCORD_API_URL", "").strip() or None,
            discord_gateway_url=env.get("PAPERBOT_DISCORD_GATEWAY_URL", "").strip() or None,
            user_rate_limit=int(_number(env, "PAPERBOT_USER_RATE_LIMIT", 20, 0)),
            metrics_host=env.get("PAPERBOT_METRICS_HOST", "").strip() or "127.0.0.1",
            log_format=_choice(env, "PAPERBOT_LOG_FORMAT", ("text", "json")),
            metrics_port=_port(env, "PAPERBOT_METRICS_PORT", 9108),
            llm_concurrency=int(_number(env, "PAPERBOT_LLM_CONCURRENCY", 4, 1)),
            llm_rpm=int(_number(env, "PAPERBOT_LLM_RPM", 0, 0)),
            arxiv_rss_url=_url(env, "PAPERBOT_ARXIV_RSS_URL", ARXIV_RSS_URL),
            catchup_hours=_number(env, "PAPERBOT_CATCHUP_HOURS", 6.0, 0.0),
            prefetch_minutes=_number(env, "PAPERBOT_PREFETCH_MINUTES", 30.0, 0.0),
        )


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}
