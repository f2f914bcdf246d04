"""How adapters wait between attempts to reach a platform: exponential backoff with jitter."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass

BASE_ENV = "PAPERBOT_RECONNECT_BASE_S"
CAP_ENV = "PAPERBOT_RECONNECT_MAX_S"
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
    def from_env(cls) -> Backoff:
        """The default backoff, or the one PAPERBOT_RECONNECT_BASE_S / _MAX_S ask for (tests)."""
        base = float(os.environ.get(BASE_ENV) or BASE_S)
        cap = float(os.environ.get(CAP_ENV) or CAP_S)
        return cls(max(base, 0.01), max(cap, base, 0.01))

    def delays(self) -> Iterator[float]:
        """The waits before each next attempt, forever."""
        delay = self.base_s
        while True:
            yield delay * random.uniform(0.75, 1.0)
            delay = min(delay * 2, self.cap_s)
