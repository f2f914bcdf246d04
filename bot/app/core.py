"""The running core: every service built once, and the host every chat adapter is handed."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field

import redis.asyncio as aioredis

from bot.chat.chat_store import ChatStore
from bot.chat.contract import (
    ChatAdapter,
    ChatRef,
    ChatUnreachable,
    Command,
    CommandInfo,
    Conversation,
    PostMemory,
    Tap,
    VoteResult,
)
from bot.chat.post_memory import PostIndex
from bot.chat.router import Router
from bot.chat.votes import CardVotes
from bot.commands.patience import Patience
from bot.digests.delivery_log import DeliveryLog
from bot.digests.discovery import Discovery
from bot.digests.scheduler import DigestScheduler
from bot.digests.subscriptions import SubscriptionStore
from bot.infra.cache import Cache
from bot.infra.metrics import Metrics
from bot.infra.redis_conn import EmbeddedRedis
from bot.infra.settings import Settings
from bot.llm.base import LLMClient
from bot.papers.service import PaperService
from bot.questions.service import QAService
from bot.ranking.feedback import FeedbackStore
from bot.summaries.summarizer import Summarizer
from bot.web.site import SubscriptionSite

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class Core:
    """Everything the adapters and the CLI need, built once; the AdapterHost of every adapter."""

    settings: Settings
    redis: aioredis.Redis
    cache: Cache
    papers: PaperService
    router: Router
    summarizer: Summarizer
    llm: LLMClient | None
    chats: ChatStore
    qa: QAService
    subscriptions: SubscriptionStore
    deliveries: DeliveryLog
    discovery: Discovery
    scheduler: DigestScheduler
    adapters: dict[str, ChatAdapter]
    post_index: PostIndex
    metrics: Metrics
    feedback: FeedbackStore
    votes: CardVotes
    embedded: EmbeddedRedis | None = None
    site: SubscriptionSite | None = None  # the subscription pages and feeds (bot.web)
    patience: Patience = field(default_factory=Patience)  # replies past the wait; work goes on

    @property
    def redis_description(self) -> str:
        """Where the data lives, for the start-up banner."""
        if self.embedded is not None:
            return f"embedded Redis (data in {self.embedded.data_dir})"
        return "Redis at REDIS_URL"

    @property
    def posts(self) -> PostMemory:
        """Which paper each of the bot's messages was about (the adapters' one memory)."""
        return self.post_index

    def commands(self) -> tuple[CommandInfo, ...]:
        """The commands adapters list in their menus."""
        return self.router.commands()

    def adapter_states(self) -> dict[str, bool]:
        """Whether each attached adapter's platform connection is up (for /healthz, metrics)."""
        return {platform: adapter.connected for platform, adapter in self.adapters.items()}

    def attach(self, adapter: ChatAdapter) -> None:
        """Register a platform: scheduled digests for its chats go through it."""
        self.adapters[adapter.platform] = adapter

    async def handle(self, command: Command, conversation: Conversation) -> None:
        """What adapters call for every command: a chat that writes to us is reachable again."""
        if await self.chats.unreachable_reason(command.chat) is not None:
            await self.chats.mark_reachable(command.chat)
        try:
            await self.router.dispatch(command, conversation)
        except ChatUnreachable as exc:  # the chat went away while we answered
            log.info("chat %s unreachable while serving /%s", exc.chat.key(), command.name)
            await self.chat_unreachable(exc.chat, exc.reason)

    async def chat_unreachable(self, chat: ChatRef, reason: str) -> None:
        """A platform refused delivery for good: remember it and pause the chat's digests."""
        await self.chats.mark_unreachable(chat, reason)
        await self.subscriptions.pause_chat(chat, reason)

    async def chat_migrated(self, old: ChatRef, new: ChatRef) -> None:
        """A chat changed id: its settings, subscriptions and delivery records follow."""
        await self.chats.migrate(old, new)
        await self.subscriptions.move_chat(old, new)
        await self.deliveries.move(old, new)
        await self.scheduler.sync()

    async def vote(self, tap: Tap) -> VoteResult:
        """A 👍/👎 tap on a card: the chat's vote recorded (no model call), the new tally."""
        return await self.votes.vote(tap)

    async def aclose(self) -> None:
        """Stop the scheduler, close clients and stop the embedded Redis."""
        await self.scheduler.stop()
        await self.patience.aclose()
        if self.llm is not None:
            await self.llm.aclose()
        await self.papers.fetcher.aclose()
        with contextlib.suppress(Exception):
            await self.redis.aclose()
        if self.embedded is not None:
            await self.embedded.stop()
