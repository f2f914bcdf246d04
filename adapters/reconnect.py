"""How adapters wait between attempts to reach a platform: exponential backoff with jitter."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import Field

from bot.infra.env_settings import EnvSettings, Number

BASE_S = 1.0
CAP_S = 60.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays of ``base_s`` doubling up to ``cap_s``, each shortened by up to a quarter (jitter).

    Jitter keeps several processes (or both adapters) from retrying in lockstep.
    """

    base_s: float = BASE_S
    cap_s: float = CAP_S

    @classmethod
    def of(cls, settings: ReconnectSettings) -> Backoff:
        """The backoff a platform's settings ask for."""
        return cls(
            settings.reconnect_base_s, max(settings.reconnect_max_s, settings.reconnect_base_s)
        )

    def delays(self) -> Iterator[float]:
        """The waits before each next attempt, forever."""
        delay = self.base_s
        while True:
            yield delay * random.uniform(0.75, 1.0)
            delay = min(delay * 2, self.cap_s)


class ReconnectSettings(EnvSettings):
    """How long a platform adapter waits between attempts to reach its platform (every platform's
    settings class inherits these)."""

    reconnect_base_s: Number = Field(
        BASE_S, gt=0, validation_alias="PAPERBOT_RECONNECT_BASE_SECONDS"
    )
    reconnect_max_s: Number = Field(CAP_S, gt=0, validation_alias="PAPERBOT_RECONNECT_MAX_SECONDS")
