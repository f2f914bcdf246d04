"""/ask (questions about a paper, with follow-ups) and /analysis (a card's full analysis)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import redis.asyncio as aioredis

from bot.chat import Block, ChatRef, Command, Conversation, Post
from bot.chats import ChatStore
from bot.errors import BadInput
from bot.handlers import split_language
from bot.labels import label, model_line
from bot.models import LANGUAGES, Language, PaperId
from bot.paper_ref import parse_paper_ref
from bot.papers import PaperService
from bot.qa import Answer, QAService, Turn
from bot.render import paper_post
from bot.router import CommandInfo, OptionInfo, Router
from bot.user_limits import UserLimiter

MAX_QUESTION = 500
ASK_EXAMPLE = "Example: /ask 2408.13714 which LoRA rank works best?"
CONVERSATION_TTL = 86_400

ASK = CommandInfo(
    "ask",
    "Ask a question about a paper (or reply to its post)",
    "就论文提问（或直接回复论文卡片）",
    usage="/ask 2408.13714 which LoRA rank works best?",
    options=(
        OptionInfo("question", "Your question", required=True),
        OptionInfo("paper", "arXiv id (default: the paper discussed here last)", flag="--paper"),
        OptionInfo("language", "Language of the answer", choices=LANGUAGES, flag="--lang"),
    ),
    costly=True,
)
ANALYSIS = CommandInfo(
    "analysis",
    "The full eight-point analysis of a paper",
    "论文的完整分析",
    usage="/analysis 2408.13714",
    options=(OptionInfo("paper", "arXiv id (default: the paper discussed here last)"),),
    costly=True,
)


class Conversations:
    """The last few questions and answers per chat and paper (for follow-ups), for a day."""

    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, chat: ChatRef, paper: str) -> str:
        return f"{self.prefix}conv:{chat.key()}:{paper}"

    async def history(self, chat: ChatRef, paper: str) -> list[Turn]:
        """Oldest first."""
        raw = await self.redis.lrange(self._key(chat, paper), 0, 2)
        return [Turn.model_validate_json(r) for r in reversed(raw)]

    async def add(self, chat: ChatRef, paper: str, turn: Turn) -> None:
        """Remember a turn, keeping the last three."""
        key = self._key(chat, paper)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, turn.model_dump_json())
            pipe.ltrim(key, 0, 2)
            pipe.expire(key, CONVERSATION_TTL)
            await pipe.execute()


def answer_post(answer: Answer, language: Language) -> Post:
    """An answer with its sources and the model that wrote it."""
    sources = "来源" if language == "zh" else "Sources"
    blocks = (Block(heading=sources, items=tuple(answer.citations)),) if answer.citations else ()
    return Post(
        text=answer.text,
        blocks=blocks,
        footer=label("model_down", language)
        if answer.model_down
        else model_line(answer.model_label, answer.extractive, language),
        paper_id=answer.paper,
    )


@dataclass
class AskCommands:
    """Questions answered from the paper's text; the paper defaults to the one discussed last."""

    papers: PaperService
    qa: QAService
    chats: ChatStore
    conversations: Conversations
    limiter: UserLimiter
    default_language: Language

    def register(self, router: Router) -> None:
        """Add /ask and /analysis."""
        router.add(ASK, self.ask)
        router.add(ANALYSIS, self.analysis)

    async def _paper(self, command: Command, text: str) -> tuple[PaperId, str]:
        """(paper, question): ``--paper X``, or an id/arXiv link first, else the default.

        The default is the paper of the post this message replies to, else the chat's last.
        """
        option = re.search(r"(?:^|\s)--paper\s+(\S+)", text)
        if option is not None:
            paper = _as_id(option[1])
            if paper is None:
                raise BadInput(f"{option[1][:40]} is not an arXiv id. {ASK_EXAMPLE}")
            return paper, (text[: option.start()] + text[option.end() :]).strip()
        head, _, rest = text.strip().partition(" ")
        paper = _as_id(head)
        if paper is not None:
            return paper, rest.strip()
        default = command.reply_to_paper or await self.chats.last_paper(command.chat)
        paper = _as_id(default or "")
        if paper is None:
            raise BadInput(f"Which paper? Name it first, or reply to its post. {ASK_EXAMPLE}")
        return paper, text.strip()

    async def ask(self, command: Command, conversation: Conversation) -> None:
        """Answer a question about a paper from its own text, citing the sections used."""
        chat_language = await self.chats.language(command.chat)
        args, language = split_language(command.args, chat_language or self.default_language)
        paper, question = await self._paper(command, args)
        if not question:
            raise BadInput(f"What would you like to know about {paper}? {ASK_EXAMPLE}")
        if len(question) > MAX_QUESTION:
            raise BadInput(f"Please ask in at most {MAX_QUESTION} characters.")
        meta = await self.papers.meta(paper, conversation.status)
        history = await self.conversations.history(command.chat, meta.id.versioned)
        if history or await self.qa.cached(meta, question, language) is None:
            await self.limiter.spend(command.chat.platform, command.user_id)
        await conversation.status(f"Reading {meta.id} for your question…")
        answer = await self.qa.ask(meta, question, language, history)
        await self.conversations.add(
            command.chat, meta.id.versioned, Turn(question=question, answer=answer.text)
        )
        await self.chats.set_last_paper(command.chat, meta.id.versioned)
        await conversation.reply(answer_post(answer, language))

    async def analysis(self, command: Command, conversation: Conversation) -> None:
        """The full card of a paper, analysis included (written once, then cached)."""
        chat_language = await self.chats.language(command.chat)
        args, language = split_language(command.args, chat_language or self.default_language)
        paper, _ = await self._paper(command, args)
        meta = await self.papers.meta(paper, conversation.status)
        if not await self.papers.is_summarized(meta, language):
            await self.limiter.spend(command.chat.platform, command.user_id)
        summary, _ = await self.papers.summary(meta, language, conversation.status)
        await self.chats.set_last_paper(command.chat, meta.id.versioned)
        await conversation.reply(paper_post(summary, None))


def _as_id(text: str) -> PaperId | None:
    """The paper an id or arXiv link names; None for anything else (a question's first word)."""
    if not text:
        return None
    try:
        ref = parse_paper_ref(text)
    except BadInput:
        return None
    return ref if isinstance(ref, PaperId) else None
