"""The core's typed settings, read from the environment (and a .env file) by pydantic-settings.

Each platform's settings live with its adapter (``adapters/<name>/settings.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.infra.env_settings import EnvSettings, HttpUrl, Number, SettingsError, Whole, one_of
from bot.papers.models import LANGUAGES, Language

__all__ = ["Settings", "SettingsError"]

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


def _env(name: str) -> str:
    return f"PAPERBOT_{name}"


class Settings(EnvSettings):
    """Everything the core reads from its environment (fields in the order they are checked)."""

    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    data_dir: Path = Field(DEFAULT_DATA_DIR, validation_alias=_env("DATA_DIR"))
    redis_prefix: str = Field("paperbot:", validation_alias=_env("REDIS_PREFIX"))
    gemini_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("GEMINI_API_KEY", "GOOGLE_API_KEY")
    )
    openai_api_key: SecretStr | None = Field(None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, validation_alias=_env("OPENAI_BASE_URL"))
    # default: gemini when GEMINI_API_KEY is set, else extractive (see _provider_from_keys)
    llm_provider: Annotated[Provider, BeforeValidator(one_of(PROVIDERS))] = Field(
        "extractive", validation_alias=_env("LLM_PROVIDER")
    )
    language: Annotated[Language, BeforeValidator(one_of(LANGUAGES))] = Field(
        "en", validation_alias=_env("LANGUAGE")
    )
    embedding_model: str | None = Field(None, validation_alias=_env("EMBEDDING_MODEL"))
    # None: the model's own size (768 for Gemini); None too without an embedding model
    embedding_dimensions: Whole | None = Field(
        None, ge=0, validation_alias=_env("EMBEDDING_DIMENSIONS"), validate_default=True
    )
    # None: the model's own (dynamic) thinking
    gemini_thinking_budget: Whole | None = Field(
        None, ge=-1, validation_alias=_env("GEMINI_THINKING_BUDGET")
    )
    llm_model: str = Field("", validation_alias=_env("LLM_MODEL"), validate_default=True)
    gemini_base_url: str | None = Field(None, validation_alias=_env("GEMINI_BASE_URL"))
    llm_timeout_s: Number = Field(120.0, ge=1, validation_alias=_env("LLM_TIMEOUT_SECONDS"))
    # how long a user waits for a new summary or answer before "being prepared" (0: no bound)
    user_wait_s: Number = Field(20.0, ge=0, validation_alias=_env("USER_WAIT_SECONDS"))
    arxiv_api_url: HttpUrl = Field(ARXIV_API_URL, validation_alias=_env("ARXIV_API_URL"))
    arxiv_html_url: HttpUrl = Field(ARXIV_HTML_URL, validation_alias=_env("ARXIV_HTML_URL"))
    arxiv_pdf_url: HttpUrl = Field(ARXIV_PDF_URL, validation_alias=_env("ARXIV_PDF_URL"))
    arxiv_delay_s: Number = Field(3.0, ge=0, validation_alias=_env("ARXIV_DELAY_SECONDS"))
    arxiv_timeout_s: Number = Field(30.0, ge=1, validation_alias=_env("ARXIV_TIMEOUT_SECONDS"))
    user_rate_limit: Whole = Field(20, ge=0, validation_alias=_env("USER_RATE_LIMIT"))
    metrics_host: str = Field("127.0.0.1", validation_alias=_env("METRICS_HOST"))
    log_format: Annotated[Literal["text", "json"], BeforeValidator(one_of(("text", "json")))] = (
        Field("text", validation_alias=_env("LOG_FORMAT"))
    )
    # 0: no /healthz or /metrics server
    metrics_port: Whole = Field(9108, ge=0, validation_alias=_env("METRICS_PORT"))
    # where that server is reached from outside: /feed's links to the pages and feeds
    public_url: HttpUrl | None = Field(None, validation_alias=_env("PUBLIC_URL"))
    llm_concurrency: Whole = Field(4, ge=1, validation_alias=_env("LLM_CONCURRENCY"))
    llm_rpm: Whole = Field(0, ge=0, validation_alias=_env("LLM_RPM"))
    arxiv_rss_url: HttpUrl = Field(ARXIV_RSS_URL, validation_alias=_env("ARXIV_RSS_URL"))
    catchup_hours: Number = Field(6.0, ge=0, validation_alias=_env("CATCHUP_HOURS"))
    # summaries of a digest are written this long before it
    prefetch_minutes: Number = Field(30.0, ge=0, validation_alias=_env("PREFETCH_MINUTES"))

    @model_validator(mode="before")
    @classmethod
    def _provider_from_keys(cls, data: object) -> object:
        if isinstance(data, dict) and not {"llm_provider", _env("LLM_PROVIDER")} & data.keys():
            keys = ("gemini_api_key", "GEMINI_API_KEY", "GOOGLE_API_KEY")
            if any(data.get(k) for k in keys):
                return {**data, "llm_provider": "gemini"}
        return data

    @field_validator("data_dir")
    @classmethod
    def _home_expanded(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("metrics_port")
    @classmethod
    def _a_port(cls, value: int) -> int:
        if value > 65535:
            raise ValueError("must be 0 to 65535")
        return value

    @field_validator("embedding_dimensions")
    @classmethod
    def _dimensions(cls, value: int | None, info: ValidationInfo) -> int | None:
        if not info.data.get("embedding_model"):
            return None
        if not value and info.data.get("llm_provider") == "gemini":
            return GEMINI_EMBEDDING_DIMENSIONS
        return value or None

    @field_validator("llm_model")
    @classmethod
    def _model_of_provider(cls, value: str, info: ValidationInfo) -> str:
        provider = info.data.get("llm_provider")
        if provider == "extractive" or provider not in DEFAULT_MODELS:
            return "extractive" if provider == "extractive" else value
        return value or DEFAULT_MODELS[provider]

    @model_validator(mode="after")
    def _provider_has_what_it_needs(self) -> Settings:
        if self.llm_provider == "gemini" and not self.gemini_api_key:
            raise SettingsError("PAPERBOT_LLM_PROVIDER=gemini needs GEMINI_API_KEY")
        if self.llm_provider == "openai" and not (self.openai_api_key or self.openai_base_url):
            raise SettingsError(
                "PAPERBOT_LLM_PROVIDER=openai needs OPENAI_API_KEY or PAPERBOT_OPENAI_BASE_URL"
            )
        if self.embedding_model and self.llm_provider == "extractive":
            raise SettingsError(
                "PAPERBOT_EMBEDDING_MODEL needs PAPERBOT_LLM_PROVIDER=gemini or openai "
                "(the embeddings come from that provider)"
            )
        return self

    @property
    def fetch_hosts(self) -> frozenset[str]:
        """The only hosts paperbot downloads papers and figures from."""
        urls = (self.arxiv_api_url, self.arxiv_html_url, self.arxiv_pdf_url, self.arxiv_rss_url)
        return frozenset((urlsplit(u).hostname or "").lower() for u in urls)
