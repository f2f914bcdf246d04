"""Rendered pages and feeds kept in memory until the subscription's archive changes.

A page or feed is rendered once per archive version (``DigestArchive.version``: one cheap Redis
read) and then served, and answered 304, from here: a reader polling an unchanged feed costs no
gathering, no template and no hashing. Each body is kept as sent and gzip-compressed, with an
ETag per encoding. An entry also ages out after ``MAX_AGE`` seconds (a summary that left the
cache shows as "no longer kept" without any write to the archive), and the least recently used
go first once the bodies take more than ``MAX_BYTES``.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime

MAX_AGE = 900.0  # seconds an entry is served before it is rendered afresh
MAX_BYTES = 64 * 1024 * 1024  # bodies kept, both encodings counted


@dataclass(frozen=True, slots=True)
class Rendered:
    """One rendered body, as sent and gzip-compressed, and its validators."""

    body: bytes
    gzipped: bytes
    etag: str  # of the body as sent; the gzip one is ``<etag>-gzip``
    last_modified: datetime
    version: int  # the archive version it was rendered from
    made: float  # time.monotonic() when rendered

    @property
    def size(self) -> int:
        """Bytes held for it."""
        return len(self.body) + len(self.gzipped)

    @property
    def gzip_etag(self) -> str:
        """The compressed representation's own ETag (a cache must not mix the two)."""
        return f"{self.etag}-gzip"


def rendered(body: bytes, last_modified: datetime, version: int) -> Rendered:
    """``body`` with its gzip twin and ETag (CPU work: call it in a worker thread)."""
    return Rendered(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        etag=hashlib.sha256(body).hexdigest()[:32],
        last_modified=last_modified,
        version=version,
        made=time.monotonic(),
    )


class RenderedBodies:
    """An in-process LRU of rendered bodies, keyed by what they were rendered for."""

    def __init__(self, *, max_bytes: int = MAX_BYTES, max_age: float = MAX_AGE) -> None:
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._entries: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._bytes = 0
        self._locks: weakref.WeakValueDictionary[Hashable, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def get(self, key: Hashable, version: int) -> Rendered | None:
        """The entry of ``key`` when it was rendered from ``version`` and is fresh enough."""
        found = self._entries.get(key)
        if found is None:
            return None
        if found.version != version or time.monotonic() - found.made > self.max_age:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return found

    async def get_or_render(
        self, key: Hashable, version: int, render: Callable[[], Awaitable[Rendered]]
    ) -> Rendered:
        """The entry of ``key`` at ``version``, rendered once however many ask at once."""
        found = self.get(key, version)
        if found is not None:
            return found
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            found = self.get(key, version)
            if found is None:
                found = await render()
                self._put(key, found)
        return found

    def _put(self, key: Hashable, entry: Rendered) -> None:
        self._drop(key)
        if entry.size > self.max_bytes:
            return  # served, not kept
        self._entries[key] = entry
        self._bytes += entry.size
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        gone = self._entries.pop(key, None)
        if gone is not None:
            self._bytes -= gone.size
