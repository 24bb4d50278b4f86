"""What makes a press fast, pinned (issue 15): the statements and Bot API requests of a stage
change, and nothing opened for an update no handler takes. The times themselves are measured
by benchmarks/stage_change.py and benchmarks/press_latency.py, never asserted here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiogram.methods import AnswerCallbackQuery, EditMessageText
from aiogram.types import Update
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.flows.harness import Person, said
from tests.flows.test_deals import create


class Seen:
    """The SQL statements the engine sent, and the connections it handed out, in a block."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.checkouts = 0


@contextmanager
def watching(engine: AsyncEngine) -> Iterator[Seen]:
    seen = Seen()
    sync = engine.sync_engine

    def statement(conn: Any, cursor: Any, sql: str, *_: Any) -> None:
        seen.statements.append(sql)

    def checkout(*_: Any) -> None:
        seen.checkouts += 1

    event.listen(sync, "before_cursor_execute", statement)
    event.listen(sync.pool, "checkout", checkout)
    try:
        yield seen
    finally:
        event.remove(sync, "before_cursor_execute", statement)
        event.remove(sync.pool, "checkout", checkout)


async def test_a_stage_change_is_three_statements_and_two_requests(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    await seller.press(said("card.btn.next", stage="Квалификация"))  # the first prompt goes
    with watching(engine) as seen:
        await seller.press(said("card.btn.next", stage="Встреча / презентация"))
    # The deal with its next task; the deal updated at its version; its history row.
    assert [s.split()[0] for s in seen.statements] == ["SELECT", "UPDATE", "INSERT"]
    assert seen.checkouts == 1  # one transaction
    assert [type(r) for r in seller.replies] == [AnswerCallbackQuery, EditMessageText]
    assert said.part("card.stage", stage="Встреча / презентация") in seller.card


async def test_an_update_no_handler_takes_opens_nothing(
    seller: Person, engine: AsyncEngine
) -> None:
    await seller.send("/deals")  # the rules' cache is filled by then
    with watching(engine) as seen:
        await seller.press_data("zz:1")  # no router takes this kind of press
    assert seen.statements == [] and seen.checkouts == 0
    assert seller.alert == said("error.stale_button")  # the fallback answers it


async def test_a_press_of_a_kind_two_routers_take_still_reaches_the_second(
    seller: Person,
) -> None:
    await create(seller, "Ромашка")
    await seller.press(said("card.btn.task"))  # "d:" is the card's, but this one is tasks'
    assert seller.text == said("task.ask_text_for_deal", deal="Ромашка")


async def test_an_update_handled_is_not_kept_alive(seller: Person) -> None:
    # aiogram memoises Update.event_type in an lru_cache keyed by the update: 128 of them.
    await seller.send("/deals")
    await seller.press_data("zz:1")
    assert Update.event_type.fget.cache_info().currsize == 0  # type: ignore[attr-defined]
