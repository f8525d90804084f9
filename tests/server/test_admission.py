"""Admission refuses at once where the queue ahead cannot drain in time, and still lets a
request wait where it can: counted, not timed."""

from __future__ import annotations

import asyncio

from app.server.limits import Lane


def test_a_queue_that_cannot_drain_in_time_is_refused_at_once() -> None:
    async def run() -> None:
        lane = Lane(places=1, queue=10, wait_s=1.0)
        assert await lane.enter()
        lane.leave(took_s=5.0)  # requests have been taking 5 s each
        assert await lane.enter()  # the one place is taken again
        assert lane.expected_wait_s() > lane.wait_s
        assert not await lane.enter()  # it would wait 5 s for a place: refused at once
        assert lane.refused == lane.refused_at_once == 1 and lane.waiting == 0
        lane.leave(took_s=5.0)

    asyncio.run(run())


def test_a_queue_that_drains_in_time_is_waited_in() -> None:
    async def run() -> None:
        lane = Lane(places=1, queue=10, wait_s=2.0)
        assert await lane.enter()
        lane.leave(took_s=0.01)  # quick requests
        assert await lane.enter()
        waited: list[int] = []

        async def second() -> bool:
            entered = await lane.enter()
            waited.append(lane.waiting)
            return entered

        task = asyncio.create_task(second())
        await asyncio.sleep(0)  # it is in the queue now
        assert lane.waiting == 1 and not task.done()
        lane.leave(took_s=0.01)  # the place comes free
        assert await task  # it waited and got in, not refused
        assert lane.refused == 0 and lane.refused_at_once == 0
        lane.leave(took_s=0.01)

    asyncio.run(run())


def test_a_full_queue_is_refused_at_once_too() -> None:
    async def run() -> None:
        lane = Lane(places=1, queue=0, wait_s=10.0)
        assert await lane.enter()
        assert not await lane.enter()
        assert lane.refused_at_once == 1
        lane.leave()

    asyncio.run(run())
