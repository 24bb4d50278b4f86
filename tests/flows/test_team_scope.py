"""With teams, a head sees and acts on only their teams' deals and tasks; without teams (or
for the admin) everyone's, as before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import TelegramId
from storage.models import DealEventRow, DealRow, TaskRow
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.flows.conftest import join
from tests.flows.harness import Person
from tests.flows.test_deals import create
from tests.flows.test_departments import NOT_YOURS, two_teams


async def deal_ids(engine: AsyncEngine) -> dict[str, tuple[int, int]]:
    """Each deal's id and stage id by its title."""
    async with engine.connect() as conn:
        rows = await conn.execute(select(DealRow.title, DealRow.id, DealRow.stage_id))
        return {title: (deal, stage) for title, deal, stage in rows}


async def changes(engine: AsyncEngine) -> tuple[int, int, list[tuple[str, str, int]]]:
    async with engine.connect() as conn:
        events = await conn.scalar(select(func.count()).select_from(DealEventRow))
        tasks = await conn.scalar(select(func.count()).select_from(TaskRow))
        deals = await conn.execute(select(DealRow.title, DealRow.status, DealRow.stage_id))
        return int(events or 0), int(tasks or 0), sorted((t, s, st) for t, s, st in deals)


async def test_a_head_sees_and_acts_on_only_their_teams_deals(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    helen, hugo, olga, pavel = await two_teams(admin, seller, person)
    await create(seller, "Ромашка Север")
    await create(olga, "Василёк Север")
    await create(pavel, "Лютик Юг")
    await create(hugo, "Кактус Хьюго")

    await helen.send("/deals")
    listing = helen.text
    assert "Открытые сделки команды</b>: 2" in listing
    assert "Ромашка Север" in listing and "Василёк Север" in listing
    assert "Лютик" not in listing and "Кактус" not in listing
    await helen.send("/find Юг")
    assert helen.text == "Ничего не нашёл. Попробуйте другую часть названия."
    await helen.send("/find а")
    assert "Лютик" not in helen.text and "Кактус" not in helen.text
    assert "Ромашка Север" in helen.text

    await hugo.send("/deals")
    assert "Открытые сделки команды</b>: 2" in hugo.text
    assert "Лютик Юг" in hugo.text and "Кактус Хьюго" in hugo.text  # his own too
    assert "Север" not in hugo.text

    await admin.send("/deals")
    assert "Открытые сделки команды</b>: 4" in admin.text

    # Helen opens and moves her team's deal as before.
    ids = await deal_ids(engine)
    north, _ = ids["Ромашка Север"]
    await helen.press("Ромашка Север")
    assert "💼 <b>Ромашка Север</b>" in helen.card
    await helen.press("➡️ Квалификация")
    assert "Этап: Квалификация" in helen.card

    # Forged buttons for the South's deal are "not yours", and nothing changes.
    before = await changes(engine)
    south, stage = ids["Лютик Юг"]
    for data in [
        f"d:o:{south}:0",
        f"d:m:{south}:{stage + 1}",
        f"d:s:{south}:0",
        f"d:w:{south}:0",
        f"d:l:{south}:0",
        f"d:n:{south}:0",
        f"d:h:{south}:0",
        f"d:t:{south}:0",
        f"d:o:{ids['Кактус Хьюго'][0]}:0",
    ]:
        await helen.press_data(data)
        assert helen.alert == NOT_YOURS, data
    assert await changes(engine) == before
    assert "Лютик" not in "\n".join(helen.texts)

    # The South's head and the admin still reach it.
    await hugo.press_data(f"d:o:{south}:0")
    assert "💼 <b>Лютик Юг</b>" in hugo.card
    await admin.press_data(f"d:o:{north}:0")
    assert "💼 <b>Ромашка Север</b>" in admin.card


async def test_a_head_cannot_close_another_teams_task(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    helen, hugo, _, pavel = await two_teams(admin, seller, person)
    async with uow_factory() as uow:
        owner = await uow.users.by_tg(TelegramId(pavel.tg_id))
        assert owner is not None
        task = await uow.tasks.add(
            deal_id=None,
            assignee_id=owner.id,
            created_by=owner.id,
            text="Позвонить",
            due_at=clock.now + timedelta(hours=1),
            now=clock.now,
        )
        await uow.commit()
    await helen.press_data(f"t:d:{task.id}:0")
    assert helen.alert == NOT_YOURS
    async with engine.connect() as conn:
        assert await conn.scalar(select(TaskRow.status)) == "open"
    await hugo.press_data(f"t:d:{task.id}:0")
    async with engine.connect() as conn:
        assert await conn.scalar(select(TaskRow.status)) == "done"


async def test_a_head_who_leads_no_team_still_sees_every_deal(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    _, _, _, pavel = await two_teams(admin, seller, person)
    ivan = person(3002, "Ivan")
    await join(admin, ivan, "руководитель")
    await create(seller, "Ромашка Север")
    await create(pavel, "Лютик Юг")
    await ivan.send("/deals")
    assert "Открытые сделки команды</b>: 2" in ivan.text
    south, _ = (await deal_ids(engine))["Лютик Юг"]
    await ivan.press_data(f"d:o:{south}:0")
    assert "💼 <b>Лютик Юг</b>" in ivan.card
