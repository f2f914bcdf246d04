"""Slash commands from the core's CommandInfos, and interactions turned into core Commands."""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from adapters.discord.files import FILE_DESCRIPTION, FILE_OPTION
from bot.chat.contract import ChatRef, Command, CommandInfo

log = logging.getLogger(__name__)

PLATFORM = "discord"
NAME = re.compile(r"[-_\w]{1,32}")
DESCRIPTION_LIMIT = 100  # Discord refuses longer command, option and choice texts
OPTIONS_LIMIT = 25
VALUE_LIMIT = 1000  # characters in one option value; longer is not a paper reference
CHINESE = (discord.Locale.chinese,)  # zh-CN

FILE_PARAMETER = "attached"  # the callback's parameter for the ``file`` option
Invoke = Callable[
    [discord.Interaction, CommandInfo, dict[str, str], discord.Attachment | None], Awaitable[None]
]


def short(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """One line within ``limit`` characters (Discord's limit for descriptions)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def option_name(name: str) -> str:
    """A name Discord accepts for an option: lower-case word characters, at most 32."""
    cleaned = re.sub(r"[^-_\w]+", "_", name.strip().lower())[:32]
    return cleaned or "value"


def slash_command(info: CommandInfo, invoke: Invoke) -> app_commands.Command[Any, ..., None] | None:
    """The slash command for a CommandInfo (string options, required flags, choices).

    discord.py reads options from the callback's signature, so the callback gets one built
    from ``info.options``: parameters ``o0, o1, …`` renamed to the options' names, plus an
    optional attachment option ``file`` when the command reads a file (``info.reads_file``).
    The callback hands ``invoke`` the values by option name, and the attachment. None when
    Discord would refuse the command's name.
    """
    if not NAME.fullmatch(info.name) or info.name != info.name.lower():
        log.warning("discord: command /%s has a name Discord refuses; not listed", info.name)
        return None
    options = info.options[: OPTIONS_LIMIT - 1 if info.reads_file else OPTIONS_LIMIT]
    names = [f"o{index}" for index in range(len(options))]

    async def callback(
        interaction: discord.Interaction, **values: str | discord.Attachment | None
    ) -> None:
        file = values.pop(FILE_PARAMETER, None)
        pairs = zip(options, names, strict=True)
        text = {o.name: v for o, p in pairs if isinstance(v := values.get(p), str) and v}
        await invoke(
            interaction, info, text, file if isinstance(file, discord.Attachment) else None
        )

    parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for option, name in zip(options, names, strict=True):
        default = inspect.Parameter.empty if option.required else None
        parameters.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=str)
        )
    renames = {p: option_name(o.name) for o, p in zip(options, names, strict=True)}
    described = {p: short(o.description or o.name) for o, p in zip(options, names, strict=True)}
    if info.reads_file:
        file = discord.Attachment | None
        keyword = inspect.Parameter.KEYWORD_ONLY
        parameters.append(inspect.Parameter(FILE_PARAMETER, keyword, default=None, annotation=file))
        renames[FILE_PARAMETER] = FILE_OPTION
        described[FILE_PARAMETER] = FILE_DESCRIPTION
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    choices = {
        p: [app_commands.Choice(name=short(c), value=c[:100]) for c in o.choices[:25]]
        for o, p in zip(options, names, strict=True)
        if o.choices
    }
    decorated = app_commands.rename(**renames)(app_commands.describe(**described)(callback))
    if choices:
        decorated = app_commands.choices(**choices)(decorated)
    english, chinese = short(info.description_en or info.name), short(info.description_zh)
    description = app_commands.locale_str(english, zh=chinese)
    return app_commands.Command(name=info.name, description=description, callback=decorated)


class Descriptions(app_commands.Translator):
    """Gives each command's Chinese description for the zh-CN locale (Discord shows it there)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The Chinese description of a command description in zh-CN; None for the rest."""
        chinese = string.extras.get("zh")
        return chinese if locale in CHINESE and isinstance(chinese, str) and chinese else None


def check_options(info: CommandInfo, values: dict[str, str]) -> str | None:
    """What is wrong with the option values, in words for the user; None when they are fine."""
    for option in info.options:
        value = values.get(option.name, "").strip()
        if option.required and not value:
            return f"/{info.name} needs a {option.name}: {option.description}."
        if value and option.choices and value not in option.choices:
            allowed = ", ".join(option.choices)
            return f"Unknown {option.name} {value[:20]!r}: choose one of {allowed}."
        if len(value) > VALUE_LIMIT:
            return f"The {option.name} is too long ({len(value)} characters)."
    return None


def chat_of(channel: object, channel_id: int | None) -> ChatRef:
    """Where a command came from: a thread is (parent channel, thread), else the channel."""
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return ChatRef(PLATFORM, str(channel.parent_id), str(channel.id))
    return ChatRef(
        PLATFORM, str(channel_id if channel_id is not None else getattr(channel, "id", 0))
    )


def is_admin(permissions: discord.Permissions) -> bool:
    """Whether the member may manage the channel (Manage Channels, or Administrator)."""
    return permissions.manage_channels or permissions.administrator


def to_command(interaction: discord.Interaction, name: str, args: str) -> Command:
    """The core Command for a slash command: DMs are private (the user is admin there)."""
    private = interaction.guild_id is None and isinstance(interaction.channel, discord.DMChannel)
    if interaction.guild_id is None:
        kind, admin = ("private", True) if private else ("group", False)
    else:
        kind, admin = "group", is_admin(interaction.permissions)
    chat = chat_of(interaction.channel, interaction.channel_id)
    return Command(
        chat,
        str(interaction.user.id),
        name,
        args=args,
        chat_type=kind,
        user_is_admin=admin,
        raw=interaction,
    )


class PaperTree(app_commands.CommandTree[discord.Client]):
    """The command tree; a command it cannot run gets a short private answer, not silence."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Tell the user (only them) that the command could not run; log the rest."""
        if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            text = "This command has changed. Please wait a minute for Discord to update it."
        else:
            log.error("discord: command failed", exc_info=error)
            text = "Something went wrong on our side. Please try again in a few minutes."
        if interaction.response.is_done():
            return
        try:
            await interaction.response.send_message(text, ephemeral=True)
        except Exception as exc:  # the client may be closing: nothing more to do
            log.info("discord: could not explain a failed command: %s", exc)
