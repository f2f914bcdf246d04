"""Subscription commands: /subscribe, /subscriptions, /unsubscribe, /pause, /resume, /digest, /settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.chat.chat_store import ChatStore
from bot.chat.contract import ChatRef, Command, CommandInfo, Conversation, OptionInfo, SentRef
from bot.chat.post import Post
from bot.chat.router import Router
from bot.chat.user_limits import UserLimiter
from bot.digests.discovery import Discovery, Found
from bot.digests.messages import left_out
from bot.digests.schedule import latest_slot, next_slot, parse_time_of_day, parse_zone, slot_key
from bot.digests.scheduler import DigestScheduler
from bot.digests.subscribe_args import SUBSCRIBE_EXAMPLE, parse_settings, parse_subscribe
from bot.digests.subscriptions import Subscription, SubscriptionStore
from bot.errors import BadInput, UserFacingError
from bot.llm.quota import QuotaBook
from bot.papers.models import Language
from bot.ranking.feedback import FeedbackStore
from bot.web.tokens import WebTokens

ChannelResolver = Callable[[str, str], Awaitable[ChatRef]]  # (@handle, user id) -> channel

ID_OPTION = OptionInfo("id", "Subscription id (see /subscriptions)", required=True)
COMMANDS = {
    "subscribe": CommandInfo(
        "subscribe",
        "Get each day's new papers on a topic",
        "订阅某方向每天的新论文",
        usage=SUBSCRIBE_EXAMPLE.removeprefix("Example: "),
        options=(
            OptionInfo("topic", "Categories and/or keywords", required=True),
            OptionInfo("about", "The topic in plain words, to rank papers by", flag="--about"),
            OptionInfo("at", "Time of day, e.g. 07:30", flag="--at"),
            OptionInfo("timezone", "IANA time zone, e.g. Asia/Shanghai", flag="--tz"),
            OptionInfo("language", "Summary language", choices=("en", "zh"), flag="--lang"),
            OptionInfo("max", "Papers per digest (1-50)", flag="--max"),
            OptionInfo(
                "detail", "Analysis in each card", choices=("full", "brief"), flag="--detail"
            ),
        ),
    ),
    "subscriptions": CommandInfo("subscriptions", "List this chat's subscriptions", "查看本群订阅"),
    "unsubscribe": CommandInfo(
        "unsubscribe",
        "Delete a subscription",
        "取消订阅",
        usage="/unsubscribe ab12cd",
        options=(ID_OPTION,),
    ),
    "pause": CommandInfo(
        "pause", "Pause a subscription", "暂停订阅", usage="/pause ab12cd", options=(ID_OPTION,)
    ),
    "resume": CommandInfo(
        "resume",
        "Resume a paused subscription",
        "恢复订阅",
        usage="/resume ab12cd",
        options=(ID_OPTION,),
    ),
    "digest": CommandInfo(
        "digest",
        "Post today's digest here now",
        "立即推送今日论文",
        usage="/digest, /digest ab12cd, or /digest ab12cd --all (what the last one left out)",
        options=(
            OptionInfo("id", "Subscription id (default: all of this chat)"),
            OptionInfo("all", "List the papers the last digest left out", flag="--all"),
        ),
        costly=True,
    ),
    "status": CommandInfo(
        "status",
        "Next digest and last result of this chat's subscriptions (admins)",
        "本群订阅的下次推送与上次结果（管理员）",
    ),
    "settings": CommandInfo(
        "settings",
        "This chat's language, time and zone",
        "本群语言、时间与时区",
        usage="/settings --lang zh --at 08:00 --tz Asia/Shanghai",
        options=(
            OptionInfo("language", "Summary language", choices=("en", "zh"), flag="--lang"),
            OptionInfo("at", "Time of day, e.g. 08:00", flag="--at"),
            OptionInfo("timezone", "IANA time zone", flag="--tz"),
        ),
    ),
}


def describe(sub: Subscription) -> str:
    """One subscription, for /subscriptions."""
    state = f"⏸ paused: {sub.pause_reason}" if sub.paused else "▶ active"
    line = f"{sub.id} — {sub.topic()}\n   {sub.at} {sub.zone} · {sub.language} · "
    line += f"max {sub.max_papers} · {sub.detail} · {state}"
    if sub.last_result:
        line += f"\n   last digest: {sub.last_result}"
    return line


def preview_lines(found: Found, shown: int = 3) -> list[str]:
    """What the latest announcement would have brought: the top papers, with their scores and
    the threshold when a description ranks them, so the reader can judge before the morning."""
    count = len(found.papers)
    papers = found.papers[:shown]
    if found.threshold is None:
        lines = [
            f"The latest announcement ({found.announced or 'n/a'}) would have brought "
            f"{count} paper{'' if count == 1 else 's'}" + (":" if papers else "."),
            *[f"• {p.title}" for p in papers],
        ]
        return lines
    lines = [
        f"The latest announcement ({found.announced or 'n/a'}) would have brought {count} "
        f"paper{'' if count == 1 else 's'} scoring at least {found.threshold:.2f} for your "
        f"description; {len(found.below)} scored lower and would not be posted"
        + (". Top candidates:" if papers or found.below else "."),
    ]
    top = papers or found.below[:shown]
    lines += [f"• {found.scores.get(str(p.id), 0.0):.2f} {p.title}" for p in top]
    return lines


@dataclass(kw_only=True)
class SubscriptionCommands:
    """Handlers for the subscription commands."""

    store: SubscriptionStore
    chats: ChatStore
    discovery: Discovery
    scheduler: DigestScheduler
    limiter: UserLimiter
    default_language: Language
    resolve_channel: ChannelResolver | None = None
    feedback: FeedbackStore | None = None
    quota: QuotaBook | None = None  # models whose daily quota is used up, for /status
    web_tokens: WebTokens | None = None  # the pages' and feeds' tokens, withdrawn on /unsubscribe

    def register(self, router: Router) -> None:
        """Add every subscription command to the router."""
        handlers = {
            "subscribe": self.subscribe,
            "subscriptions": self.list,
            "unsubscribe": self.unsubscribe,
            "pause": self.pause,
            "resume": self.resume,
            "digest": self.digest,
            "settings": self.settings,
            "status": self.status,
        }
        for name, handler in handlers.items():
            router.add(COMMANDS[name], handler)

    @staticmethod
    def _require_admin(command: Command) -> None:
        if command.chat_type != "private" and not command.user_is_admin:
            raise UserFacingError("Only the chat's admins can change its subscriptions.")

    async def target_chat(self, command: Command, channel: str | None) -> ChatRef:
        """The chat a command manages: its own, or "@channel" an admin manages from a private chat."""
        if channel is None:
            return command.chat
        if self.resolve_channel is None or command.chat.platform != "telegram":
            raise BadInput("Channels are managed this way only on Telegram.")
        if command.chat_type != "private":
            raise BadInput("Manage a channel from a private chat with me.")
        return await self.resolve_channel(channel, command.user_id)

    async def subscribe(self, command: Command, conversation: Conversation) -> None:
        """Create a subscription and show what the latest feed would have matched."""
        self._require_admin(command)
        args = parse_subscribe(command.args)
        if args.weekly and args.updates:  # update replies go under cards; a weekly posts none
            raise BadInput(
                "--updates replies under a paper's card, and a --weekly subscription posts no "
                "cards, only its recap: subscribe with one of them."
            )
        chat = await self.target_chat(command, args.channel)
        chat_settings = await self.chats.settings(chat)
        sub = Subscription(
            id=self.store.new_id(),
            platform=chat.platform,
            chat_id=chat.chat_id,
            thread_id=chat.thread_id,
            categories=args.categories,
            query=args.query,
            about=args.about,
            include_cross=args.include_cross,
            at=args.at or chat_settings.get("at", "08:00"),
            zone=args.zone or chat_settings.get("zone", "UTC"),
            language=args.language or await self.chats.language(chat) or self.default_language,
            max_papers=args.max_papers or 10,
            detail=args.detail or "full",
            notify_empty=args.notify_empty,
            weekly=args.weekly,
            updates=args.updates,
            created_by=command.user_id,
        )
        now = self.scheduler.clock()
        at, zone = parse_time_of_day(sub.at), parse_zone(sub.zone)
        sub.last_slot = slot_key(latest_slot(now, at, zone))  # only future mornings are posted
        await conversation.status("Checking the latest announcements…")
        found = await self.discovery.find(sub, now)
        await self.store.add(sub)
        await self.scheduler.sync()
        lines = [
            f"Subscribed ({sub.id}): {sub.topic()}",
            f"Every announcement day at {sub.at} {sub.zone}, in {sub.language}, "
            f"at most {sub.max_papers} papers ({sub.detail}).",
            *preview_lines(found),
        ]
        if sub.weekly:
            lines[1] = (
                f"A weekly recap on Fridays at {sub.at} {sub.zone}, in {sub.language}: the "
                "week's papers are gathered every announcement day, no daily cards."
            )
        if sub.updates:
            lines.insert(
                2, "A reply under a paper's card when a new version is accepted or names its code."
            )
        if args.hint:
            lines.append(f"Note: {args.hint}")
        await conversation.reply(Post(text="\n".join(lines)))

    async def list(self, command: Command, conversation: Conversation) -> None:
        """This chat's subscriptions with ids and state (or a channel's: /subscriptions @name)."""
        target = command.args.strip() or None
        chat = await self.target_chat(command, target)
        subs = await self.store.for_chat(chat)
        if not subs:
            await conversation.reply(Post(text=f"No subscriptions here yet. {SUBSCRIBE_EXAMPLE}"))
            return
        lines = [describe(s) for s in subs]
        if any(s.paused for s in subs):
            lines.append("Resume a paused one with /resume ID once the problem is fixed.")
        await conversation.reply(Post(text="\n".join(lines)))

    async def owned(self, command: Command) -> Subscription:
        """The subscription ``command.args`` names, if this chat (or its admin) may manage it."""
        sub_id = command.args.strip()
        if not sub_id:
            raise BadInput(f"Which subscription? Send /{command.name} ID (see /subscriptions).")
        sub = await self.store.get(sub_id.lower())
        managed_elsewhere = (
            sub is not None
            and self.resolve_channel is not None
            and sub.chat.key() != command.chat.key()
            and command.chat_type == "private"
            and sub.platform == command.chat.platform
        )
        if managed_elsewhere and sub is not None and self.resolve_channel is not None:
            chat = await self.resolve_channel(sub.chat_id, command.user_id)
            if chat.key() == sub.chat.key():
                return sub
        self._require_admin(command)
        return await self.store.get_in_chat(sub_id, command.chat)

    async def unsubscribe(self, command: Command, conversation: Conversation) -> None:
        """Delete a subscription, its archive and its page's token (its links answer 404)."""
        sub = await self.owned(command)
        await self.store.remove(sub)
        if self.web_tokens is not None:
            await self.web_tokens.forget(sub.id)
        await self.scheduler.runner.archive.forget(sub.id)
        await self.scheduler.sync()
        await conversation.reply(Post(text=f"Unsubscribed {sub.id} ({sub.topic()})."))

    async def pause(self, command: Command, conversation: Conversation) -> None:
        """Stop a subscription's digests until /resume."""
        sub = await self.owned(command)
        sub.paused, sub.pause_reason = True, f"paused by user {command.user_id}"
        await self.store.save(sub)
        await self.scheduler.sync()
        await conversation.reply(Post(text=f"Paused {sub.id}. /resume {sub.id} restarts it."))

    async def resume(self, command: Command, conversation: Conversation) -> None:
        """Restart a paused subscription (from the next morning on)."""
        sub = await self.owned(command)
        sub.paused, sub.pause_reason = False, None
        sub.last_slot = slot_key(
            latest_slot(self.scheduler.clock(), parse_time_of_day(sub.at), parse_zone(sub.zone))
        )
        await self.chats.mark_reachable(sub.chat)
        await self.store.save(sub)
        await self.scheduler.sync()
        await conversation.reply(
            Post(text=f"Resumed {sub.id}: next digest at {sub.at} {sub.zone}.")
        )

    async def digest(self, command: Command, conversation: Conversation) -> None:
        """Run this chat's digests now, here (papers it already received are skipped);
        ``/digest ID --all`` lists what that subscription's last digest left out instead."""
        words = command.args.split()
        if "--all" in (w.lower() for w in words):
            await self._left_out([w for w in words if w.lower() != "--all"], command, conversation)
            return
        subs = await self.store.for_chat(command.chat)
        if command.args.strip():
            subs = [await self.store.get_in_chat(command.args.strip(), command.chat)]
        if not subs:
            raise BadInput(f"This chat has no subscriptions. {SUBSCRIBE_EXAMPLE}")
        await self.limiter.spend(command.chat.platform, command.user_id)

        async def here(_chat: ChatRef, post: Post) -> SentRef:
            return await conversation.reply(post)  # a chat that is gone raises ChatUnreachable

        for sub in subs:
            await conversation.status(f"Preparing {sub.topic()}…")
            stamp = self.scheduler.clock().strftime("manual-%Y%m%dT%H%M%S")
            result = await self.scheduler.runner.run(sub, here, stamp, self.scheduler.clock())
            if not result.sent and not result.failed:
                why = "no announcements today" if result.no_announcements else "nothing new"
                await conversation.reply(Post(text=f"{sub.topic()}: {why}."))

    async def _left_out(
        self, words: Sequence[str], command: Command, conversation: Conversation
    ) -> None:
        """The papers the last digest of one subscription (or of each) left out, with links."""
        if len(words) > 1:
            raise BadInput("Send /digest ID --all (one subscription id, see /subscriptions).")
        if words:
            subs = [await self.store.get_in_chat(words[0], command.chat)]
        else:
            subs = await self.store.for_chat(command.chat)
        if not subs:
            raise BadInput(f"This chat has no subscriptions. {SUBSCRIBE_EXAMPLE}")
        for sub in subs:
            report = await self.scheduler.runner.reports.last(sub.id)
            if report is None:
                await conversation.reply(Post(text=f"{sub.id}: no digest in the last 14 days."))
                continue
            listing = left_out(sub, report)
            await conversation.reply(Post(text=f"{sub.id} — {sub.topic()}\n{listing.text}"))

    async def status(self, command: Command, conversation: Conversation) -> None:
        """For admins: when each subscription runs next, how the last run went, and whether the
        model's daily quota is used up (until when)."""
        self._require_admin(command)
        lines = []
        for sub in await self.store.for_chat(command.chat):
            if sub.paused:
                when = f"paused ({sub.pause_reason})"
            else:
                at, zone = parse_time_of_day(sub.at), parse_zone(sub.zone)
                upcoming = next_slot(self.scheduler.clock(), at, zone).astimezone(zone)
                when = f"next digest {upcoming:%a %Y-%m-%d %H:%M} {sub.zone}"
            lines.append(
                f"{sub.id} — {sub.topic()}\n   {when}; last: {sub.last_result or 'none yet'}"
            )
            lines.append(f"   {await self._ranking_line(sub)}")
        reason = await self.chats.unreachable_reason(command.chat)
        if reason:
            lines.append(f"Deliveries here failed: {reason}")
        lines = lines or ["No subscriptions here."]
        for standing in await self.quota.all() if self.quota is not None else []:
            lines.append(
                f"⏳ {standing.describe()}. Until then new summaries are not written; digests "
                "keep their papers for the next run."
            )
        await conversation.reply(Post(text="\n".join(lines)))

    async def _ranking_line(self, sub: Subscription) -> str:
        """The subscription's threshold and how many ratings the chat's model has seen."""
        ranker = self.discovery.ranker
        threshold = (
            f"threshold {ranker.threshold:.2f}"
            if sub.about and ranker is not None
            else "no threshold (no --about)"
        )
        ratings = await self.feedback.count(sub.chat) if self.feedback is not None else 0
        return f"{threshold}; {ratings} rating{'' if ratings == 1 else 's'} seen"

    async def settings(self, command: Command, conversation: Conversation) -> None:
        """Show or change the chat's defaults (language, time of day, zone)."""
        args = parse_settings(command.args)
        changing = args.language or args.at or args.zone
        if changing:
            self._require_admin(command)
            if args.language:
                await self.chats.set_language(command.chat, args.language)
            await self.chats.set_defaults(command.chat, at=args.at, zone=args.zone)
        language = await self.chats.language(command.chat) or self.default_language
        values = await self.chats.settings(command.chat)
        text = (
            f"Language: {language} · new subscriptions at {values.get('at', '08:00')} "
            f"{values.get('zone', 'UTC')}."
        )
        if not changing:
            text += " Change with: /settings --lang zh --at 08:00 --tz Asia/Shanghai"
        await conversation.reply(Post(text=text))
