"""/feed: the links to a subscription's web page and Atom feed, and ``--revoke`` to replace them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.chat.contract import Command, CommandInfo, Conversation, OptionInfo
from bot.chat.post import Post
from bot.chat.router import Router
from bot.commands.subscriptions import SubscriptionCommands
from bot.digests.subscribe_args import SUBSCRIBE_EXAMPLE
from bot.digests.subscriptions import Subscription, SubscriptionStore
from bot.errors import BadInput, UserFacingError
from bot.web.render import Links
from bot.web.tokens import WebTokens

COMMANDS = {
    "feed": CommandInfo(
        "feed",
        "Links to a subscription's web page and Atom feed",
        "订阅的网页与 Atom 订阅源链接",
        usage=(
            "/feed, /feed ab12cd, /feed @channel, or /feed ab12cd --revoke (new links; the old "
            "ones stop working)"
        ),
        options=(
            OptionInfo("id", "Subscription id or @channel (default: each of this chat's)"),
            OptionInfo(
                "revoke",
                "Replace the links; the old ones stop working",
                flag="--revoke",
                choices=("yes",),
            ),
        ),
    ),
}
_REVOKE_WORDS = {"--revoke", "revoke"}
_FLAG_VALUES = {"yes", "true"}  # what a structured (Discord) option passes after --revoke


@dataclass(kw_only=True)
class FeedCommands:
    """The /feed handler: tokens from WebTokens, links under PAPERBOT_PUBLIC_URL; which chat's
    subscriptions a user may ask for is decided as /subscriptions and /unsubscribe decide it."""

    store: SubscriptionStore
    tokens: WebTokens
    access: (
        SubscriptionCommands  # a Telegram channel's subscriptions, from its admin's private chat
    )
    public_url: str | None  # PAPERBOT_PUBLIC_URL
    local_url: str | None  # the bot's own HTTP server (None when PAPERBOT_METRICS_PORT is 0)

    def register(self, router: Router) -> None:
        """Add /feed to the router."""
        router.add(COMMANDS["feed"], self.feed)

    async def feed(self, command: Command, conversation: Conversation) -> None:
        """Reply with each asked subscription's page and feed links (new ones on --revoke)."""
        target, revoke = _parse(command.args)
        if revoke and (target is None or target.startswith("@")):
            raise BadInput("Which subscription's links? Send /feed ID --revoke.")
        where = "This chat"
        if target is not None and target.startswith("@"):  # /feed @channel, as /subscriptions
            subs = await self.store.for_chat(await self.access.target_chat(command, target))
            where = target
        elif target is not None:
            subs = [await self._one(command, target, revoke)]
        else:
            subs = await self.store.for_chat(command.chat)
        if not subs:
            raise BadInput(f"{where} has no subscriptions. {SUBSCRIBE_EXAMPLE}")
        lines = [] if self.public_url and self.local_url else [self._no_address()]
        base = self.public_url or self.local_url
        for sub in subs:
            token = await (self.tokens.revoke(sub.id) if revoke else self.tokens.token(sub.id))
            if base is not None and self.local_url is not None:  # no links to a server that is off
                links = Links.under(base, token)
                lines += [
                    f"{sub.id} — {sub.topic()}",
                    f"Page: {links.page}",
                    f"Atom feed: {links.feed}",
                ]
        if revoke:
            lines.append("The old links now answer “not found”.")
        elif self.public_url and self.local_url:
            lines.append("Anyone with a link can read it; /feed ID --revoke replaces them.")
        await conversation.reply(Post(text="\n".join(lines)))

    async def _one(self, command: Command, sub_id: str, revoke: bool) -> Subscription:
        """The subscription ``sub_id`` if this user may have its links here: this chat's, or,
        from a private chat, a channel's the user administers (as /unsubscribe ID finds it)."""
        if revoke and command.chat_type != "private" and not command.user_is_admin:
            raise UserFacingError("Only the chat's admins can replace the links.")
        if command.chat_type == "private":
            return await self.access.owned(replace(command, args=sub_id))
        return await self.store.get_in_chat(sub_id, command.chat)

    def _no_address(self) -> str:
        if self.local_url is None and self.public_url:
            return (
                "The bot's web server is off (PAPERBOT_METRICS_PORT=0), so nothing answers at "
                "PAPERBOT_PUBLIC_URL: the operator must turn it on for the pages and feeds."
            )
        if self.local_url is None:
            return (
                "The bot's web server is off (PAPERBOT_METRICS_PORT=0): the operator must turn it "
                "on and set PAPERBOT_PUBLIC_URL for the pages and feeds to have links."
            )
        return (
            "No public address is set: the operator must set PAPERBOT_PUBLIC_URL to where the "
            "bot's web server is reachable. On the bot's own machine the links are:"
        )


def _parse(args: str) -> tuple[str | None, bool]:
    """(subscription id or None, revoke?) of ``/feed [ID] [--revoke]`` or ``/feed revoke ID``."""
    words = args.split()
    revoke = any(w.lower() in _REVOKE_WORDS for w in words)
    rest = [w for w in words if w.lower() not in _REVOKE_WORDS]
    if revoke:
        rest = [w for w in rest if w.lower() not in _FLAG_VALUES]
    if len(rest) > 1:
        raise BadInput(f"One subscription at a time: {COMMANDS['feed'].usage}")
    return (rest[0] if rest else None), revoke


def local_address(host: str, port: int) -> str | None:
    """The bot's HTTP server as its own machine reaches it; None when it is off (port 0)."""
    if not port:
        return None
    if host in ("0.0.0.0", "::", ""):  # listening everywhere: loopback reaches it
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
