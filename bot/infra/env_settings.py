"""The base of every settings class: pydantic-settings read from a mapping or the environment.

A subclass names each field's environment variable with ``validation_alias``. Reading it:

* ``Cls.from_env()`` reads ``os.environ`` over ``./.env`` (python-dotenv syntax);
  ``Cls.from_env(mapping)`` reads only that mapping (tests). Values are stripped, and an empty
  value means the default, as an empty line in ``.env.example`` says.
* ``Cls(field=value, ...)`` holds exactly what it is given (defaults for the rest): no
  environment is read, so a test's settings never depend on the shell it runs in.
* Bad values raise :class:`SettingsError` with one line naming the variable
  (``PAPERBOT_ARXIV_DELAY_SECONDS must be a number, not 'soon'``), which the CLI prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Self

from pydantic import AfterValidator, BeforeValidator, SecretStr, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)


class SettingsError(ValueError):
    """A setting has a value paperbot cannot use."""


def _number(value: object) -> object:
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"must be a number, not {value[:20]!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"must be a number, not {value[:20]!r}")
        return number
    return value


def _whole(value: object) -> object:
    number = _number(value)
    return int(number) if isinstance(number, float) else number


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def one_of(choices: tuple[str, ...]) -> Callable[[object], object]:
    """A before-validator: the value lower-cased, or 'must be one of …'."""

    def check(value: object) -> object:
        if isinstance(value, str):
            value = value.lower()
            if value not in choices:
                raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return check


Number = Annotated[float, BeforeValidator(_number)]
Whole = Annotated[int, BeforeValidator(_whole)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]


class EnvSettings(BaseSettings):
    """Settings whose fields are environment variables (their ``validation_alias``)."""

    model_config = SettingsConfigDict(
        frozen=True, populate_by_name=True, extra="ignore", case_sensitive=True
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values given: ``from_env()`` is what reads the environment."""
        return (init_settings,)

    @classmethod
    def env_names(cls) -> dict[str, str]:
        """Each field's environment variable (the first, when it has several)."""
        names: dict[str, str] = {}
        for field, info in cls.model_fields.items():
            alias = info.validation_alias
            choices = getattr(alias, "choices", None)
            names[field] = str(choices[0] if choices else alias or field.upper())
        return names

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Self:
        """Read settings from ``env`` (default: os.environ over ./.env when present)."""
        if env is None:
            values = DotEnvSettingsSource(cls, env_file=dotenv or Path(".env"))()
            values.update(EnvSettingsSource(cls)())
        else:
            values = dict(env)
        given = {k: v.strip() for k, v in values.items() if isinstance(v, str) and v.strip()}
        try:
            return cls(**given)
        except ValidationError as exc:
            raise SettingsError(cls._explained(exc.errors()[0])) from None

    @classmethod
    def _explained(cls, error: ErrorDetails) -> str:
        """One line for the first thing wrong, naming its environment variable."""
        if not error["loc"]:  # a model validator's own sentence, names included
            return str(error.get("ctx", {}).get("error", error["msg"]))
        where = str(error["loc"][0])
        name = cls.env_names().get(where, where)
        ctx = error.get("ctx", {})
        if error["type"] == "greater_than_equal":
            return f"{name} must be at least {ctx['ge']:g}"
        if error["type"] == "greater_than":
            return f"{name} must be more than {ctx['gt']:g}"
        if error["type"] == "value_error":
            return f"{name} {ctx['error']}"
        return f"{name}: {error['msg']}"

    def secret_values(self) -> list[str]:
        """Every secret these settings hold (for masking in logs)."""
        values = (getattr(self, field) for field in type(self).model_fields)
        return [v.get_secret_value() for v in values if isinstance(v, SecretStr)]
