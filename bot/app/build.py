"""Build every client once from Settings and wire the core: Redis, arXiv, the model, the services,
the commands, the digest scheduler."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.app.core import Core
from bot.arxiv.api import ArxivAPI
from bot.arxiv.fetch import Fetcher
from bot.arxiv.pacer import Pacer
from bot.chat.chat_store import ChatStore
from bot.chat.contract import (
    ChannelDirectory,
    ChatAdapter,
    ChatRef,
    SentRef,
)
from bot.chat.post import Post
from bot.chat.post_memory import PostIndex
from bot.chat.router import Router
from bot.chat.user_limits import UserLimiter
from bot.chat.votes import CardVotes
from bot.commands.ask import AskCommands
from bot.commands.basics import CoreCommands
from bot.commands.feed import FeedCommands, local_address
from bot.commands.feedback import FeedbackCommands
from bot.commands.follow import FollowCommands
from bot.commands.patience import Patience
from bot.commands.recap import RecapCommands
from bot.commands.subscriptions import ChannelResolver, SubscriptionCommands
from bot.commands.why import WhyCommands
from bot.digests.delivery_log import DeliveryLog
from bot.digests.discovery import Discovery
from bot.digests.recap import Recaps
from bot.digests.runner import DigestRunner, Send
from bot.digests.scheduler import DigestScheduler
from bot.digests.subscriptions import SubscriptionStore
from bot.errors import BadInput
from bot.follows.finder import FollowFinder
from bot.follows.store import FollowStore
from bot.infra.cache import Cache
from bot.infra.metrics import Metrics
from bot.infra.redis_conn import EmbeddedRedis, connect
from bot.infra.settings import Settings
from bot.llm.base import LLMClient
from bot.llm.metered import MeteredLLM
from bot.llm.prompts import load
from bot.llm.quota import QuotaBook
from bot.llm.rate_gate import RateGate
from bot.papers.service import VERSION_TTL, PaperService
from bot.questions.embeddings import Embeddings
from bot.questions.history import Conversations
from bot.questions.query_terms import QueryTerms
from bot.questions.service import QAService
from bot.ranking.feedback import FeedbackStore
from bot.ranking.paper_vectors import PaperVectors
from bot.ranking.ranker import Ranker
from bot.summaries.summarizer import ExtractiveSummarizer, LLMSummarizer, Summarizer
from bot.web.pages import PageSource
from bot.web.site import SubscriptionSite
from bot.web.tokens import WebTokens

log = logging.getLogger(__name__)


def build_llm(settings: Settings) -> LLMClient | None:
    """The configured LLM client, or None for extractive summaries."""
    if settings.llm_provider == "gemini":
        from bot.llm.gemini import GeminiClient

        assert settings.gemini_api_key is not None
        return GeminiClient(
            api_key=settings.gemini_api_key.get_secret_value(),
            model=settings.llm_model,
            base_url=settings.gemini_base_url,
            timeout_s=settings.llm_timeout_s,
            thinking_budget=settings.gemini_thinking_budget,
        )
    if settings.llm_provider == "openai":
        from bot.llm.openai_compat import OpenAICompatClient

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return OpenAICompatClient(
            api_key=key,
            model=settings.llm_model,
            base_url=settings.openai_base_url,
            timeout_s=settings.llm_timeout_s,
        )
    return None


def _embedder(settings: Settings, llm: MeteredLLM | None) -> tuple[MeteredLLM, str] | None:
    """The client and model for embeddings, when PAPERBOT_EMBEDDING_MODEL names a model of a
    provider that embeds."""
    if settings.embedding_model is None or llm is None or not llm.embeds:
        return None
    return llm, settings.embedding_model


def build_embeddings(settings: Settings, llm: MeteredLLM | None, cache: Cache) -> Embeddings | None:
    """Passage embeddings from the LLM's provider when an embedding model is set."""
    if (embedder := _embedder(settings, llm)) is None:
        return None
    client, model = embedder
    dimensions = settings.embedding_dimensions
    return Embeddings(
        client=client, model=model, cache=cache, ttl_s=VERSION_TTL, dimensions=dimensions
    )


def build_paper_vectors(
    settings: Settings, llm: MeteredLLM | None, cache: Cache
) -> PaperVectors | None:
    """Abstract embeddings for ranking, from the same model as the passages, when one is set."""
    if (embedder := _embedder(settings, llm)) is None:
        return None
    client, model = embedder
    dimensions = settings.embedding_dimensions
    return PaperVectors(
        client=client, model=model, cache=cache, ttl_s=VERSION_TTL, dimensions=dimensions
    )


def _sender(adapters: dict[str, ChatAdapter]) -> Send:
    async def send(chat: ChatRef, post: Post) -> SentRef:
        adapter = adapters.get(chat.platform)
        if adapter is None:
            raise RuntimeError(f"no {chat.platform} adapter runs in this process")
        return await adapter.send(chat, post)

    return send


def _channel_resolver(adapters: dict[str, ChatAdapter]) -> ChannelResolver:
    async def resolve(handle: str, user_id: str) -> ChatRef:
        adapter = adapters.get("telegram")
        if not isinstance(adapter, ChannelDirectory):
            raise BadInput("Telegram is not connected, so its channels cannot be managed now.")
        return await adapter.admin_channel(handle, user_id)

    return resolve


async def build_core(settings: Settings) -> Core:
    """Connect to Redis (embedded when REDIS_URL is unset) and wire the core."""
    embedded = None
    url = settings.redis_url
    if url is None:
        embedded = EmbeddedRedis(settings.data_dir)
        await embedded.start()
        url = embedded.url
    redis = connect(url)
    await redis.ping()
    prefix = settings.redis_prefix
    metrics = Metrics()
    cache = Cache(redis, prefix, metrics)
    arxiv_pacer = Pacer(settings.arxiv_delay_s, retry_base_s=max(settings.arxiv_delay_s, 0.2))
    api = ArxivAPI(settings.arxiv_api_url, arxiv_pacer, settings.arxiv_timeout_s)
    fetcher = Fetcher(settings.fetch_hosts, arxiv_pacer, timeout_s=settings.arxiv_timeout_s * 2)
    client = build_llm(settings)
    prompts = load("summary")
    gate = RateGate(settings.llm_concurrency, settings.llm_rpm)  # one budget for every LLM call
    quota = QuotaBook(redis, prefix)  # models out of daily quota, shared by every process
    llm = MeteredLLM(client, gate=gate, metrics=metrics, quota=quota) if client else None
    patience = Patience(settings.user_wait_s)  # how long a user waits for the model
    summarizer: Summarizer = (
        LLMSummarizer(client=llm, prompts=prompts, metrics=metrics)
        if llm is not None
        else ExtractiveSummarizer()
    )
    papers = PaperService(
        api=api,
        fetcher=fetcher,
        cache=cache,
        summarizer=summarizer,
        html_url=settings.arxiv_html_url,
        pdf_url=settings.arxiv_pdf_url,
        prompt_fingerprint=prompts.fingerprint,
        metrics=metrics,
    )
    router = Router(metrics)
    limiter = UserLimiter(redis, prefix, limit=settings.user_rate_limit)
    chats = ChatStore(redis, prefix)
    subscriptions = SubscriptionStore(redis, prefix)
    deliveries = DeliveryLog(redis, prefix)
    feedback = FeedbackStore(redis, prefix, metrics)
    follows = FollowFinder(FollowStore(redis, prefix), api, cache)  # authors chats follow
    discovery = Discovery(
        fetcher,
        api,
        cache,
        settings.arxiv_rss_url,
        Ranker(feedback, vectors=build_paper_vectors(settings, llm, cache)),
        follows=follows,
    )
    runner = DigestRunner(
        papers=papers,
        discovery=discovery,
        subscriptions=subscriptions,
        chats=chats,
        deliveries=deliveries,
        metrics=metrics,
        quota=quota,
    )
    adapters: dict[str, ChatAdapter] = {}
    scheduler = DigestScheduler(
        runner=runner,
        subscriptions=subscriptions,
        redis=redis,
        prefix=prefix,
        send=_sender(adapters),
        grace=timedelta(hours=settings.catchup_hours),
        metrics=metrics,
        prefetch=timedelta(minutes=settings.prefetch_minutes),
    )
    CoreCommands(
        papers=papers,
        limiter=limiter,
        router=router,
        chats=chats,
        default_language=settings.language,
        patience=patience,
    ).register()
    tokens = WebTokens(redis, prefix)  # the subscriptions' pages and feeds
    manage = SubscriptionCommands(
        store=subscriptions,
        chats=chats,
        discovery=discovery,
        scheduler=scheduler,
        limiter=limiter,
        default_language=settings.language,
        resolve_channel=_channel_resolver(adapters),
        feedback=feedback,
        quota=quota,
        web_tokens=tokens,
    )
    manage.register(router)
    WhyCommands(papers=papers, runner=runner).register(router)
    FeedCommands(
        store=subscriptions,
        tokens=tokens,
        access=manage,
        public_url=settings.public_url,
        local_url=local_address(settings.metrics_host, settings.metrics_port),
    ).register(router)
    runner.recaps = Recaps(
        papers=papers, archive=runner.archive, feedback=feedback, cache=cache, llm=llm
    )
    RecapCommands(scheduler=scheduler, limiter=limiter).register(router)
    FeedbackCommands(papers=papers, feedback=feedback, subscriptions=subscriptions).register(router)
    FollowCommands(
        store=follows.store,
        finder=follows,
        subscriptions=subscriptions,
        clock=lambda: scheduler.clock(),
    ).register(router)
    qa = QAService(
        papers=papers,
        cache=cache,
        prompts=load("answer"),
        llm=llm,
        embeddings=build_embeddings(settings, llm, cache),
        terms=QueryTerms(llm=llm, prompts=load("search")) if llm is not None else None,
        metrics=metrics,
    )
    conversations = Conversations(redis, prefix)
    AskCommands(
        papers=papers,
        qa=qa,
        chats=chats,
        conversations=conversations,
        limiter=limiter,
        default_language=settings.language,
        patience=patience,
    ).register(router)
    return Core(
        settings=settings,
        redis=redis,
        cache=cache,
        papers=papers,
        router=router,
        summarizer=summarizer,
        llm=llm,
        chats=chats,
        qa=qa,
        subscriptions=subscriptions,
        deliveries=deliveries,
        discovery=discovery,
        scheduler=scheduler,
        adapters=adapters,
        post_index=PostIndex(redis, prefix),
        metrics=metrics,
        feedback=feedback,
        votes=CardVotes(papers=papers, feedback=feedback),
        embedded=embedded,
        patience=patience,
        site=SubscriptionSite(
            tokens=tokens,
            subscriptions=subscriptions,
            pages=PageSource(archive=runner.archive, papers=papers),
            papers=papers,
            public_url=settings.public_url,
        ),
    )
