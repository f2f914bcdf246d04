"""Discord for paperbot: discord.py 2.7 behind the core's ChatAdapter protocol.

``adapters.discord.settings`` imports without the SDK (slow to import); ``DiscordAdapter``
loads it on first use.
"""

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]


def __getattr__(name: str) -> Any:
    """``DiscordAdapter``, imported (with discord.py) only when asked for."""
    if name == "DiscordAdapter":
        with warnings.catch_warnings():
            # discord.py's voice player imports audioop (deprecated since 3.11; audioop-lts on 3.13).
            warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
            import discord  # noqa: F401
        from adapters.discord.adapter import DiscordAdapter

        return DiscordAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
