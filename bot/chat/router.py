"""The command router: maps command names to handlers and turns domain errors into short replies."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.chat.contract import Command, CommandHandler, Conversation, Post
from bot.errors import UserFacingError
from bot.infra.metrics import Metrics

log = logging.getLogger(__name__)

UNKNOWN_FAILURE = "Something went wrong on our side. Please try again in a few minutes."


@dataclass(frozen=True, slots=True)
class OptionInfo:
    """One argument of a command, for platforms with structured commands (Discord slash options).

    Adapters turn options back into the command's text arguments: positional options (``flag``
    None) in order, separated by spaces, then ``--flag value`` for the others, so every
    platform's input reaches the same parser.
    """

    name: str
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    flag: str | None = None  # e.g. "--lang": passed as "--lang zh"


@dataclass(frozen=True, slots=True)
class CommandInfo:
    """A command as platforms list it: name, one-line descriptions, usage example, options."""

    name: str
    description_en: str
    description_zh: str
    usage: str = ""
    options: tuple[OptionInfo, ...] = ()
    costly: bool = False  # runs an LLM call (counts against the per-user limit)


def args_from_options(info: CommandInfo, values: dict[str, str]) -> str:
    """Rebuild a command's text arguments from structured option values."""
    positional = [values[o.name] for o in info.options if o.flag is None and values.get(o.name)]
    flagged = [f"{o.flag} {values[o.name]}" for o in info.options if o.flag and values.get(o.name)]
    return " ".join(positional + flagged)


@dataclass(frozen=True, slots=True)
class _Route:
    info: CommandInfo
    handler: CommandHandler


class Router:
    """Holds the commands; adapters call ``dispatch`` for each command a user sends."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self._routes: dict[str, _Route] = {}
        self.metrics = metrics or Metrics()

    def add(self, info: CommandInfo, handler: CommandHandler) -> None:
        """Register a command (later issues add commands here, never in adapters)."""
        self._routes[info.name] = _Route(info, handler)

    def commands(self) -> tuple[CommandInfo, ...]:
        """Every registered command, in registration order (for menus and /help)."""
        return tuple(route.info for route in self._routes.values())

    def knows(self, name: str) -> bool:
        """True when a command of that name is registered."""
        return name in self._routes

    async def dispatch(self, command: Command, conversation: Conversation) -> None:
        """Run the command's handler; reply with a short message on any failure."""
        route = self._routes.get(command.name)
        if route is None:
            self.metrics.commands.inc(command="other", outcome="unknown")  # never the user's text
            await conversation.reply(
                Post(text=f"Unknown command /{command.name[:32]}. Send /help to see what I can do.")
            )
            return
        try:
            await route.handler(command, conversation)
        except UserFacingError as exc:
            self.metrics.commands.inc(command=command.name, outcome="refused")
            log.info("command /%s refused: %s", command.name, exc.message)
            await conversation.reply(Post(text=exc.message))
        except Exception:
            self.metrics.commands.inc(command=command.name, outcome="failed")
            log.exception("command /%s failed", command.name)
            await conversation.reply(Post(text=UNKNOWN_FAILURE))
        else:
            self.metrics.commands.inc(command=command.name, outcome="ok")
