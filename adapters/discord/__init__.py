"""Discord for paperbot: discord.py 2.7 behind the core's ChatAdapter protocol."""

import warnings

with warnings.catch_warnings():
    # discord.py's voice player imports audioop (deprecated since 3.11; audioop-lts on 3.13).
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401

from adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
