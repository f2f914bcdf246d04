"""/ask (questions about a paper, with follow-ups) and /analysis (a card's full analysis)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.arxiv.ids import parse_paper_ref
from bot.chat.chat_store import ChatStore
from bot.chat.contract import Command, CommandInfo, Conversation, OptionInfo
from bot.chat.options import split_language
from bot.chat.post import Block, Post
from bot.chat.router import Router
from bot.chat.user_limits import UserLimiter
from bot.commands.basics import being_prepared
from bot.commands.patience import Muted, Patience
from bot.errors import BadInput
from bot.papers.models import LANGUAGES, Language, PaperId
from bot.papers.service import PaperService
from bot.questions.answer import Answer, Turn
from bot.questions.history import Conversations
from bot.questions.service import QAService
from bot.summaries.card import paper_post
from bot.summaries.labels import label, model_line

MAX_QUESTION = 500
ASK_EXAMPLE = "Example: /ask 2408.13714 which LoRA rank works best?"

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


@dataclass(kw_only=True)
class AskCommands:
    """Questions answered from the paper's text; the paper defaults to the one discussed last."""

    papers: PaperService
    qa: QAService
    chats: ChatStore
    conversations: Conversations
    limiter: UserLimiter
    default_language: Language
    patience: Patience = field(default_factory=Patience)

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
        answer = await self.patience.within(self.qa.ask(meta, question, language, history))
        if answer is None:  # past the bound: a history-free answer lands in the cache
            later = "ask the same question again in a minute or two: the answer will be ready"
            if history:
                later = "please ask again in a minute or two"
            text = f"The language model is slow right now (it may be rate-limited); {later}."
            if language == "zh":
                text = "语言模型现在较慢（可能正被限流），请一两分钟后再问一次。"
            await conversation.reply(Post(text=text))
            return
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
        if await self.papers.is_summarized(meta, language):
            summary, _ = await self.papers.summary(meta, language)
        else:
            await self.limiter.spend(command.chat.platform, command.user_id)
            progress = Muted(conversation)
            written = await self.patience.within(self.papers.summary(meta, language, progress))
            if written is None:
                progress.quiet = True
                text = being_prepared(meta.id.base, language, "analysis")
                await conversation.reply(Post(text=text))
                return
            summary, _ = written
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
