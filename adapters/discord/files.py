"""Files attached to slash commands (a reference library for /like): fetched within the size cap."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord

from bot.chat.contract import MAX_ATTACHMENT_BYTES, Attachment

log = logging.getLogger(__name__)

FILE_OPTION = "file"  # the slash option of commands that read a file (CommandInfo.reads_file)
FILE_DESCRIPTION = "A BibTeX or CSL JSON file (e.g. a Zotero export), up to 1 MB"
DOWNLOAD_SECONDS = 30.0
# The same words as on Telegram (adapters/telegram/adapter.py).
TOO_LARGE = f"That file is over {MAX_ATTACHMENT_BYTES // 1_000_000} MB; send a smaller export."
NOT_FETCHED = "Discord did not hand me that file; please send it again."


def too_large(file: discord.Attachment | None) -> str | None:
    """Why the file is refused before downloading it (Discord states its size); None if fine."""
    return TOO_LARGE if file is not None and file.size > MAX_ATTACHMENT_BYTES else None


async def download(file: discord.Attachment) -> Attachment | str:
    """The file's bytes for the core, or why they were not fetched (too large, Discord refused)."""
    if (problem := too_large(file)) is not None:
        return problem
    try:
        async with asyncio.timeout(DOWNLOAD_SECONDS):
            data = await file.read()
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
        log.info("discord: attached file not fetched: %s", type(exc).__name__)
        return NOT_FETCHED
    if len(data) > MAX_ATTACHMENT_BYTES:  # the stated size was wrong: never hand it on
        return TOO_LARGE
    return Attachment(file.filename or "file", data)
