"""/recap: the last seven days of a subscription (or of each of this chat's), by theme."""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.contract import Command, CommandInfo, Conversation, OptionInfo
from bot.chat.post import Post
from bot.chat.router import Router
from bot.chat.user_limits import UserLimiter
from bot.digests.recap_post import empty_recap, recap_post
from bot.digests.schedule import EASTERN
from bot.digests.scheduler import DigestScheduler
from bot.digests.subscribe_args import SUBSCRIBE_EXAMPLE
from bot.errors import BadInput, UserFacingError

COMMANDS = {
    "recap": CommandInfo(
        "recap",
        "The last 7 days of a subscription, grouped by theme",
        "最近 7 天的论文按主题回顾",
        usage="/recap or /recap ab12cd",
        options=(OptionInfo("id", "Subscription id (default: all of this chat)"),),
        costly=True,
    ),
}


@dataclass(kw_only=True)
class RecapCommands:
    """The /recap handler: reads the subscriptions' archives, one model call per recap."""

    scheduler: DigestScheduler  # its clock and runner (whose ``recaps`` build the recap)
    limiter: UserLimiter

    def register(self, router: Router) -> None:
        """Add /recap to the router."""
        router.add(COMMANDS["recap"], self.recap)

    async def recap(self, command: Command, conversation: Conversation) -> None:
        """Post the week's recap of the named subscription, or of each of this chat's."""
        words = command.args.split()
        if len(words) > 1:
            raise BadInput(f"Send {COMMANDS['recap'].usage} (one id, see /subscriptions).")
        store = self.scheduler.subscriptions
        if words:
            subs = [await store.get_in_chat(words[0], command.chat)]
        else:
            subs = await store.for_chat(command.chat)
        if not subs:
            raise BadInput(f"This chat has no subscriptions. {SUBSCRIBE_EXAMPLE}")
        recaps = self.scheduler.runner.recaps
        if recaps is None:
            raise UserFacingError("Recaps are not available in this bot.")
        # with or without a model: grouping a week's papers costs CPU and reads the archive
        await self.limiter.spend(command.chat.platform, command.user_id)
        today = self.scheduler.clock().astimezone(EASTERN).date()
        for sub in subs:
            await conversation.status(f"Gathering the week of {sub.topic()}…")
            recap = await recaps.make(sub, today)
            post: Post = recap_post(recap) if recap.papers else empty_recap(sub, recap.since, today)
            await conversation.reply(post)
