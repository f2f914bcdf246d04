"""Per-subscription web tokens: the unguessable part of ``/s/<token>``, issued once, revocable.

``web:sub:<sub>`` holds a subscription's current token and ``web:token:<token>`` the
subscription it opens. Revoking deletes the old mapping before the new token is written, so the
old URLs answer 404 from that moment on.
"""

from __future__ import annotations

import re
import secrets

import redis.asyncio as aioredis

from bot.infra import keys

TOKEN_BYTES = 24  # 192 random bits: 32 URL-safe characters
_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")


def looks_like_token(text: str) -> bool:
    """True when ``text`` has a token's shape (anything else is not looked up at all)."""
    return bool(_SHAPE.fullmatch(text))


class WebTokens:
    """Issues, finds and revokes the token of each subscription's page and feed."""

    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def token(self, sub_id: str) -> str:
        """The subscription's token, issued on first use (two callers at once get the same)."""
        current = await self.current(sub_id)
        if current is not None:
            return current
        fresh = secrets.token_urlsafe(TOKEN_BYTES)
        await self.redis.set(keys.web_subscription(self.prefix, fresh), sub_id)
        if await self.redis.set(keys.web_token(self.prefix, sub_id), fresh, nx=True):
            return fresh
        await self.redis.delete(keys.web_subscription(self.prefix, fresh))  # another won
        return await self.token(sub_id)

    async def current(self, sub_id: str) -> str | None:
        """The subscription's token, or None when none was issued."""
        raw = await self.redis.get(keys.web_token(self.prefix, sub_id))
        return _text(raw) if raw else None

    async def revoke(self, sub_id: str) -> str:
        """Withdraw the current token (its URLs answer 404 from now on) and issue a new one."""
        await self.forget(sub_id)
        return await self.token(sub_id)

    async def forget(self, sub_id: str) -> None:
        """Withdraw the subscription's token, issuing none."""
        old = await self.current(sub_id)
        if old is not None:
            await self.redis.delete(keys.web_subscription(self.prefix, old))
        await self.redis.delete(keys.web_token(self.prefix, sub_id))

    async def subscription(self, token: str) -> str | None:
        """The id of the subscription ``token`` opens, or None (malformed, unknown or revoked)."""
        if not looks_like_token(token):
            return None
        raw = await self.redis.get(keys.web_subscription(self.prefix, token))
        if not raw:
            return None
        sub_id = _text(raw)
        return sub_id if await self.current(sub_id) == token else None  # only the current one


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw
