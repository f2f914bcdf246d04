"""The core's commands: /start, /help and /summarize (later issues add theirs beside these)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.arxiv.ids import parse_paper_ref
from bot.chat.chat_store import ChatStore
from bot.chat.contract import Command, CommandInfo, Conversation, OptionInfo
from bot.chat.options import split_language
from bot.chat.post import Post
from bot.chat.router import Router
from bot.chat.user_limits import UserLimiter
from bot.commands.patience import Muted, Patience
from bot.errors import UserFacingError
from bot.papers.models import LANGUAGES, Language, PaperSummary
from bot.papers.service import PaperService
from bot.summaries.card import paper_post

SUMMARIZE = CommandInfo(
    name="summarize",
    description_en="Summarize an arXiv paper (id, link or search words)",
    description_zh="总结一篇 arXiv 论文（编号、链接或关键词）",
    usage="/summarize 2408.13714 · /summarize talking head LoRA · /summarize 2408.13714 --lang zh",
    options=(
        OptionInfo("paper", "arXiv id, arXiv link, or words to search for", required=True),
        OptionInfo("language", "Language of the summary", choices=LANGUAGES, flag="--lang"),
    ),
    costly=True,
)
HELP = CommandInfo(name="help", description_en="How to use paperbot", description_zh="使用说明")
START = CommandInfo(
    name="start", description_en="Start and see what paperbot does", description_zh="开始使用"
)


def help_text(router: Router, language: Language = "en") -> str:
    """The /help message: what paperbot does and every command with an example."""
    if language == "zh":
        intro = "paperbot 以 ChatPaper 格式总结 arXiv 论文：一句话总结、要点、八点分析和论文配图。"
        example = "例如"
    else:
        intro = (
            "paperbot summarizes arXiv papers in the ChatPaper format: a one-line summary, "
            "key takeaways and an eight-point analysis, with the paper's figure."
        )
        example = "e.g."
    lines = [intro, ""]
    for info in router.commands():
        if info.name == "start":
            continue
        description = info.description_zh if language == "zh" else info.description_en
        lines.append(f"/{info.name} — {description}")
        if info.usage:
            lines.append(f"    {example} {info.usage}")
    return "\n".join(lines)


@dataclass(kw_only=True)
class CoreCommands:
    """The handlers of the core commands, sharing the paper service and the user limiter."""

    papers: PaperService
    limiter: UserLimiter
    router: Router
    chats: ChatStore
    default_language: Language = "en"
    patience: Patience = field(default_factory=Patience)

    def register(self) -> None:
        """Add the core commands to the router."""
        self.router.add(START, self.help)
        self.router.add(HELP, self.help)
        self.router.add(SUMMARIZE, self.summarize)

    async def help(self, command: Command, conversation: Conversation) -> None:
        """Explain usage with examples, in the chat's language."""
        language = await self.chats.language(command.chat) or self.default_language
        await conversation.reply(Post(text=help_text(self.router, language)))

    async def summarize(self, command: Command, conversation: Conversation) -> None:
        """Find the paper, then serve its summary from cache or write it (costs one unit).

        A new summary is waited for at most ``patience.bound_s``; past that the user is told it
        is being prepared, and it lands in the cache for their next /summarize.
        """
        chat_language = await self.chats.language(command.chat)
        args, language = split_language(command.args, chat_language or self.default_language)
        ref = parse_paper_ref(args)
        resolved = await self.papers.resolve(ref, conversation.status)
        if resolved.note:
            await conversation.reply(Post(text=resolved.note))
        meta = resolved.meta
        if not await self.papers.is_summarized(meta, language):
            await self.limiter.spend(command.chat.platform, command.user_id)
            progress = Muted(conversation)

            async def write() -> tuple[PaperSummary, bool]:
                try:
                    return await self.papers.summary(meta, language, progress)
                except UserFacingError:
                    await self.limiter.refund(command.chat.platform, command.user_id)
                    raise

            written = await self.patience.within(write())
            if written is None:
                progress.quiet = True
                await conversation.reply(Post(text=being_prepared(meta.id.base, language)))
                return
            summary, _ = written
        else:
            summary, _ = await self.papers.summary(meta, language)
        figure = await self.papers.figure(meta)
        await self.chats.set_last_paper(command.chat, meta.id.versioned)
        await conversation.reply(paper_post(summary, figure))


def being_prepared(paper: str, language: Language, what: str = "summarize") -> str:
    """The reply when the model takes longer than a user should wait: it is still being written."""
    if language == "zh":
        return (
            f"语言模型现在较慢（可能正被限流），{paper} 的结果仍在生成中。"
            f"请一两分钟后再发送 /{what} {paper}：届时即可取用，不另计数。"
        )
    return (
        f"The language model is slow right now (it may be rate-limited), so {paper} is still "
        f"being prepared. Send /{what} {paper} again in a minute or two: it will be ready then, "
        "at no extra cost."
    )
