"""Following authors: /follow, /unfollow and /following.

A followed author's new papers, in any category, join the chat's next digest first, marked
"Why: by Jack Saunders, whom you follow". A name that stands for several people on arXiv
lately ("J Saunders": Jack and James) is shown back with a paper of each, not followed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.chat.contract import Command, CommandInfo, Conversation, OptionInfo
from bot.chat.post import Post
from bot.chat.router import Router
from bot.digests.subscriptions import SubscriptionStore
from bot.errors import BadInput, UserFacingError
from bot.follows.finder import RECENT_DAYS, FollowFinder, Person
from bot.follows.names import AuthorName, fold, parse_name, same_person
from bot.follows.store import MAX_FOLLOWS, Follow, FollowStore

EXAMPLE = '/follow "Jack Saunders"'
_NAME = OptionInfo("name", "The author's name as arXiv lists it, e.g. Jack Saunders", required=True)
COMMANDS = {
    "follow": CommandInfo(
        "follow",
        "Get an author's new papers, in any category, in this chat's digests",
        "关注作者：其新论文（任何分类）加入本群每日推送",
        usage=EXAMPLE,
        options=(_NAME,),
    ),
    "unfollow": CommandInfo(
        "unfollow",
        "Stop following an author",
        "取消关注作者",
        usage='/unfollow "Jack Saunders"',
        options=(_NAME,),
    ),
    "following": CommandInfo("following", "The authors this chat follows", "本群关注的作者"),
}


def read_name(args: str, command: str) -> AuthorName:
    """The author named in a command's arguments, or BadInput saying what a name looks like."""
    text = " ".join(args.replace('"', " ").split())
    if not text:
        raise BadInput(f'Which author? /{command} "Jack Saunders" (see /following).')
    name = parse_name(text)
    if name is not None:
        return name
    if any(c.isalpha() and not c.isascii() for c in fold(text)):
        raise BadInput(
            f"arXiv lists authors in Latin letters: write the name that way, e.g. /{command} "
            '"Wei Zhang".'
        )
    raise BadInput(
        f'"{text[:40]}" is not a name I can follow: give a given name (or initial) and a family '
        f'name, as arXiv lists them, e.g. /{command} "Jack Saunders".'
    )


def _example(person: Person) -> str:
    return f"{person.name} — e.g. “{person.example.title}” ({person.example.id.base})"


@dataclass(kw_only=True)
class FollowCommands:
    """Handlers for /follow, /unfollow and /following (changes: admins only, in groups)."""

    store: FollowStore
    finder: FollowFinder
    subscriptions: SubscriptionStore
    clock: Callable[[], datetime]

    def register(self, router: Router) -> None:
        """Add /follow, /unfollow and /following to the router."""
        router.add(COMMANDS["follow"], self.follow)
        router.add(COMMANDS["unfollow"], self.unfollow)
        router.add(COMMANDS["following"], self.following)

    @staticmethod
    def _require_admin(command: Command) -> None:
        if command.chat_type != "private" and not command.user_is_admin:
            raise UserFacingError("Only the chat's admins can change whom it follows.")

    async def follow(self, command: Command, conversation: Conversation) -> None:
        """Follow an author, unless the name stands for several people on arXiv lately."""
        self._require_admin(command)
        name = read_name(command.args, "follow")
        follows = await self.store.all(command.chat)
        same = next((f for f in follows if f.parsed.key == name.key), None)
        if same is not None:
            await conversation.reply(Post(text=f"This chat already follows {same.name}."))
            return
        if len(follows) >= MAX_FOLLOWS:
            raise BadInput(
                f"This chat follows {MAX_FOLLOWS} authors, the most it can: /unfollow one first "
                "(see /following)."
            )
        await conversation.status(f"Looking for {name.text} on arXiv…")
        people = await self.finder.people(name, self.clock())
        vague = name.initials_only and any(
            (p := parse_name(person.name)) is not None and not p.initials_only for person in people
        )
        if len(people) > 1 or vague:
            intro = (
                f"“{name.text}” may be several people on arXiv lately; not followed yet:"
                if len(people) > 1
                else f"“{name.text}” gives initials only; on arXiv lately that is:"
            )
            lines = [
                intro,
                *[f"• {_example(p)}" for p in people],
                f'Follow the full name, e.g. /follow "{people[0].name}".',
            ]
            await conversation.reply(Post(text="\n".join(lines)))
            return
        if not await self.store.add(command.chat, name, command.user_id):
            await conversation.reply(Post(text=f"This chat already follows {name.text}."))
            return
        lines = [
            f"Following {name.text}: their new papers, in any category, join this chat's next "
            "digest, first and marked."
        ]
        if people:
            lines.append(f"On arXiv as {_example(people[0])}.")
        else:
            lines.append(
                f"No paper by this name was found on arXiv in the last {RECENT_DAYS} days: check "
                f'the spelling arXiv uses (/unfollow "{name.text}" undoes this).'
            )
        if not await self.subscriptions.for_chat(command.chat):
            lines.append("This chat has no digest yet: /subscribe to start one.")
        await conversation.reply(Post(text="\n".join(lines)))

    async def unfollow(self, command: Command, conversation: Conversation) -> None:
        """Stop following an author (by the name as followed, or a form of it)."""
        self._require_admin(command)
        name = read_name(command.args, "unfollow")
        follows = await self.store.all(command.chat)
        exact = [f for f in follows if f.parsed.key == name.key]
        found = exact or [f for f in follows if same_person(f.parsed, name)]
        if not found:
            listed = ", ".join(f.name for f in follows) or "nobody"
            raise BadInput(f"This chat does not follow {name.text} (it follows {listed}).")
        if len(found) > 1:
            names = ", ".join(f'"{f.name}"' for f in found)
            raise BadInput(f"{name.text} may be {names}: /unfollow one of them by its full name.")
        await self.store.remove(command.chat, found[0])
        await conversation.reply(Post(text=f"Stopped following {found[0].name}."))

    async def following(self, command: Command, conversation: Conversation) -> None:
        """The authors this chat follows."""
        follows = await self.store.all(command.chat)
        if not follows:
            text = (
                f"This chat follows no authors yet. {EXAMPLE} brings an author's new papers, in "
                "any category, into its digests."
            )
            await conversation.reply(Post(text=text))
            return
        lines = [f"This chat follows {len(follows)} of at most {MAX_FOLLOWS} authors:"]
        lines += [f"• {_followed(f)}" for f in follows]
        lines.append('/unfollow "NAME" stops one.')
        await conversation.reply(Post(text="\n".join(lines)))


def _followed(follow: Follow) -> str:
    return f"{follow.name} (since {follow.at:%Y-%m-%d})"
