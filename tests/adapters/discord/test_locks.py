"""CardLocks: votes on one card take turns in arrival order, other cards do not wait, and no lock
outlives its last user."""

from __future__ import annotations

import asyncio

import pytest

from adapters.discord.locks import CardLocks


async def test_votes_on_one_card_take_turns_in_arrival_order() -> None:
    cards = CardLocks()
    inside: list[int] = []
    order: list[int] = []

    async def vote(n: int) -> None:
        async with cards.hold(1):
            inside.append(n)
            assert len(inside) == 1, "two votes on one card at once"
            await asyncio.sleep(0.01)
            order.append(n)
            inside.remove(n)

    await asyncio.gather(*(vote(n) for n in range(5)))
    assert order == [0, 1, 2, 3, 4]
    assert len(cards) == 0


async def test_another_card_does_not_wait_and_locks_are_dropped() -> None:
    cards = CardLocks()
    release = asyncio.Event()

    async def slow() -> None:
        async with cards.hold(1):
            await release.wait()

    held = asyncio.create_task(slow())
    await asyncio.sleep(0)
    async with asyncio.timeout(1):
        async with cards.hold(2):  # a different card goes ahead at once
            assert len(cards) == 2
    waiting = asyncio.create_task(slow())  # a second vote on card 1, given up while waiting
    await asyncio.sleep(0)
    waiting.cancel()
    release.set()
    await held
    with pytest.raises(asyncio.CancelledError):
        await waiting
    for card in range(1000):
        async with cards.hold(card):
            pass
    assert len(cards) == 0  # a thousand cards seen, none kept


async def test_a_failing_vote_frees_the_card() -> None:
    cards = CardLocks()
    with pytest.raises(RuntimeError):
        async with cards.hold(1):
            raise RuntimeError("Redis went away")
    async with asyncio.timeout(1), cards.hold(1):
        pass
    assert len(cards) == 0
