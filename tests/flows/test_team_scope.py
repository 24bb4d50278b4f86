"""With teams, a head sees and acts on only their teams' deals and tasks; without teams (or
for the admin) everyone's, as before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import TelegramId
from bot.domain.notices import Notice
from bot.domain.plans import Plan
from handlers.digest.callbacks import DigestCb, DigestView
from storage.models import DealEventRow, DealRow, TaskRow
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.flows.conftest import Jobs, join
from tests.flows.harness import Person, said
from tests.flows.test_deals import create
from tests.flows.test_departments import NOT_YOURS, two_teams
from tests.flows.test_digest import _close, _user_id, digests_to, msk, texts_to
from tests.flows.test_reminders import make_task
from tests.flows.test_reports import last_text
from tests.mocked_bot import MockedBot


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
    assert said.part("deals.title_all", count=2) in listing
    assert "Ромашка Север" in listing and "Василёк Север" in listing
    assert "Лютик" not in listing and "Кактус" not in listing
    await helen.send("/find Юг")
    assert helen.text == said("find.nothing")
    await helen.send("/find а")
    assert "Лютик" not in helen.text and "Кактус" not in helen.text
    assert "Ромашка Север" in helen.text

    await hugo.send("/deals")
    assert said.part("deals.title_all", count=2) in hugo.text
    assert "Лютик Юг" in hugo.text and "Кактус Хьюго" in hugo.text  # his own too
    assert "Север" not in hugo.text

    await admin.send("/deals")
    assert said.part("deals.title_all", count=4) in admin.text

    # Helen opens and moves her team's deal as before.
    ids = await deal_ids(engine)
    north, _ = ids["Ромашка Север"]
    await helen.press("Ромашка Север")
    assert "💼 <b>Ромашка Север</b>" in helen.card
    await helen.press(said("card.btn.next", stage="Квалификация"))
    assert said.part("card.stage", stage="Квалификация") in helen.card

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
    await join(admin, ivan, said("role.head"))
    await create(seller, "Ромашка Север")
    await create(pavel, "Лютик Юг")
    await ivan.send("/deals")
    assert said.part("deals.title_all", count=2) in ivan.text
    south, _ = (await deal_ids(engine))["Лютик Юг"]
    await ivan.press_data(f"d:o:{south}:0")
    assert "💼 <b>Лютик Юг</b>" in ivan.card


async def seed_two_teams_month(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    clock: FakeClock,
) -> tuple[Person, Person, Person]:
    """North (Helen: Sergey won 300 000 new and lost one, Olga idle; plans 1 M and 0) and
    South (Hugo: Pavel won 500 000 from a current client; plan 2 M); November 2026."""
    helen, hugo, _, pavel = await two_teams(admin, seller, person)
    await create(seller, "Альфа", "300000")
    await create(seller, "Бета", "100000")
    await create(pavel, "Лютик", "500000")
    await _close(engine, "Альфа", "won", msk(10, 12), new=True)
    await _close(engine, "Бета", "lost", msk(20, 12), new=True)
    await _close(engine, "Лютик", "won", msk(12, 12), new=False)
    sergey, pavel_id = await _user_id(engine, seller.tg_id), await _user_id(engine, pavel.tg_id)
    async with uow_factory() as uow:
        month = date(2026, 11, 1)
        plans = [Plan(sergey, month, 100_000_000), Plan(pavel_id, month, 200_000_000)]
        await uow.plans.save(plans, None, clock.now)
        await uow.commit()
    return helen, hugo, pavel


async def test_a_head_who_leads_teams_gets_the_digest_of_their_teams_only(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    clock: FakeClock,
    jobs: Jobs,
    bot: MockedBot,
    queued: list[Notice],
) -> None:
    helen, hugo, pavel = await seed_two_teams_month(
        admin, seller, person, engine, uow_factory, clock
    )
    clock.now = msk(24, 9)  # Tuesday 09:00
    bot.clear()
    await jobs.tick()
    north_fact = "300 000 ₽"
    [north] = digests_to(bot, helen.tg_id)
    [south] = digests_to(bot, hugo.tg_id)
    [everyone] = digests_to(bot, admin.tg_id)

    north_month = said("digest.month", fact=north_fact, plan="1 000 000 ₽", percent="30 %")
    assert north_month in north
    assert (
        said.part("digest.seller", name="Sergey", fact=north_fact, plan="1 000 000 ₽") in north
        and "Olga" in north
    )
    assert "Pavel" not in north and "Лютик" not in north
    assert said.part("digest.clients", new_count=1, new_amount=north_fact) in north
    leak = said.part("digest.leak", stage="Новые клиенты: Первый контакт", count=1)
    assert leak in north

    assert said("digest.month", fact="500 000 ₽", plan="2 000 000 ₽", percent="25 %") in south
    assert said.part("digest.seller", name="Pavel", fact="500 000 ₽", plan="2 000 000 ₽") in south
    assert "Sergey" not in south and "Olga" not in south
    assert said.part("digest.leak") not in south  # the North's loss is not the South's

    assert said.part("digest.month", fact="800 000 ₽", plan="3 000 000 ₽") in everyone
    assert all(name in everyone for name in ("Sergey", "Olga", "Pavel"))

    # Each got their own pictures: the plan-vs-fact bars are of their own sellers.
    pictures = {n.chat_id: n.album for n in queued if n.kind == "digest"}
    assert set(pictures) == {helen.tg_id, hugo.tg_id, admin.tg_id}
    assert all(len(ps) == 3 for ps in pictures.values())
    assert len({ps[0] for ps in pictures.values()}) == 3
    # Sellers still get their own line as before.
    assert any(t.startswith("🎯 Pavel") for t in texts_to(bot, pavel.tg_id))

    # On demand, and through the drill-down buttons, the same teams only.
    await helen.send("/digest")
    assert north_month in helen.text.replace("\u00a0", " ")
    await admin.send("/digest")
    assert "Pavel" in admin.text
    pavel_id = await _user_id(engine, pavel.tg_id)
    await helen.press_data(DigestCb(view=DigestView.SELLER, seller_id=pavel_id).pack())
    assert helen.alert == said("digest.gone")
    await hugo.press_data(DigestCb(view=DigestView.SELLER, seller_id=pavel_id).pack())
    assert hugo.text.startswith(said("digest.seller_deals", name="Pavel"))


async def test_a_head_sees_only_their_teams_overdue_tasks(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    jobs: Jobs,
    clock: FakeClock,
) -> None:
    helen, hugo, _, pavel = await two_teams(admin, seller, person)
    await make_task(pavel, "Позвонить Лютику", "сегодня 12:00")
    clock.advance(days=1)
    overdue = DigestCb(view=DigestView.OVERDUE).pack()
    await hugo.press_data(overdue)
    assert hugo.text.startswith(said("digest.overdue_title", count=1))
    assert "Позвонить Лютику" in hugo.text
    await helen.press_data(overdue)
    assert "Позвонить Лютику" not in helen.text


async def test_a_head_who_leads_teams_reports_on_their_teams(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    clock: FakeClock,
    bot: MockedBot,
) -> None:
    helen, hugo, pavel = await seed_two_teams_month(
        admin, seller, person, engine, uow_factory, clock
    )
    reports = {}
    for head in (helen, hugo, admin):
        await head.send("/report")
        reports[head.tg_id] = head.text.replace("\u00a0", " ")
    assert said("rep.won", n=1, amount="300 000 ₽") in reports[helen.tg_id]
    assert said("rep.lost", n=1, amount="100 000 ₽") in reports[helen.tg_id]
    assert said("rep.won", n=1, amount="500 000 ₽") in reports[hugo.tg_id]
    assert said("rep.lost", n=0, amount=0) in reports[hugo.tg_id]
    assert said("rep.won", n=2, amount="800 000 ₽") in reports[admin.tg_id]

    await helen.send("/funnel")
    bot.clear()
    await helen.press("Новые клиенты")
    assert said("fun.won", n=1) in last_text(bot, helen.tg_id)
    await helen.press(said("fun.cut.seller"))
    assert "Pavel" not in helen.buttons() and "Sergey" in helen.buttons()
    async with engine.connect() as conn:
        pipeline = await conn.scalar(select(DealRow.pipeline_id).where(DealRow.title == "Лютик"))
    pavel_id = await _user_id(engine, pavel.tg_id)
    await helen.press_data(f"fu:{pipeline}:month:seller:{pavel_id}")
    assert helen.alert == said("error.stale_button")
    bot.clear()
    await admin.press_data(f"fu:{pipeline}:month:seller:{pavel_id}")
    cut = said("fun.cut_value", what=said("fun.cut.seller"), value="Pavel")
    assert cut in last_text(bot, admin.tg_id)
