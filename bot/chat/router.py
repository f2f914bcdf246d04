"""The command router: maps command names to handlers and turns domain errors into short replies."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.chat.contract import ChatUnreachable, Command, CommandHandler, CommandInfo, Conversation
from bot.chat.post import Post
from bot.errors import UserFacingError
from bot.infra.metrics import Metrics

log = logging.getLogger(__name__)

UNKNOWN_FAILURE = "Something went wrong on our side. Please try again in a few minutes."


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
            self.metrics.commands.labels(command="other", outcome="unknown").inc()  # not user text
            await conversation.reply(
                Post(text=f"Unknown command /{command.name[:32]}. Send /help to see what I can do.")
            )
            return
        try:
            await route.handler(command, conversation)
        except ChatUnreachable:
            self.metrics.commands.labels(command=command.name, outcome="unreachable").inc()
            raise  # the chat is gone: no reply can reach it; the host pauses its digests
        except UserFacingError as exc:
            self.metrics.commands.labels(command=command.name, outcome="refused").inc()
            log.info("command /%s refused: %s", command.name, exc.message)
            await conversation.reply(Post(text=exc.message))
        except Exception:
            self.metrics.commands.labels(command=command.name, outcome="failed").inc()
            log.exception("command /%s failed", command.name)
            await conversation.reply(Post(text=UNKNOWN_FAILURE))
        else:
            self.metrics.commands.labels(command=command.name, outcome="ok").inc()
