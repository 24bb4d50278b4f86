"""A demo company so every screen has something to show: a team, clients, 90 days of deals."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.deals import DealChange, DealEvent, EventKind
from bot.domain.ids import TelegramId, UserId
from bot.domain.models import Channel, Client, DealStatus, Pipeline, Role
from bot.domain.plans import Plan
from bot.domain.surveys import SurveyKind
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

DAYS = 90
DEALS = 300
RUB = 100  # kopecks in a rouble


@dataclass(frozen=True)
class Persona:
    """Someone the page can act as; staff are seeded, clients only have a chat."""

    id: int
    first_name: str
    role: str
    username: str | None = None
    language_code: str = "ru"

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "first_name": self.first_name, "role": self.role,
                "username": self.username, "language_code": self.language_code}  # fmt: skip


PERSONAS = (
    Persona(100001, "Анна (admin)", "admin", "anna_owner"),
    Persona(100002, "Олег Петров", "head", "oleg_head"),
    Persona(100011, "Мария Иванова", "seller", "maria_sales"),
    Persona(100012, "Дмитрий Смирнов", "seller", "dima_sales"),
    Persona(100013, "Ирина Кузнецова", "seller", "irina_sales"),
    Persona(200001, "Сергей (ООО Вектор)", "client", "vektor_sergey"),
    Persona(200002, "Елена (Альфа-Строй)", "client", "alfa_elena"),
    Persona(200003, "Павел (ИП Павлов)", "client", None),
    Persona(300001, "Новый сотрудник", "guest", "newcomer"),
)
COMPANIES = (
    "Вектор", "Альфа-Строй", "ИП Павлов", "Север", "Гранит", "Меридиан", "Орбита", "Технопарк",
    "Восход", "Профиль", "Горизонт", "Сигма", "Лидер", "Импульс", "Ресурс", "Каскад", "Феникс",
    "Стандарт", "Атлант", "Престиж", "Эталон", "Кристалл", "Магистраль", "Континент",
)  # fmt: skip
PRODUCTS = ("CRM", "Аудит", "Внедрение", "Поддержка", "Обучение")
REGIONS_TITLES = ("поставка", "договор", "пилот", "расширение", "продление")


async def seed_demo(
    uows: UnitOfWorkFactory, now: datetime, seed: int = 7, deals: int = DEALS
) -> bool:
    """Fill a database once (the pipelines must be there); False when it has sellers already."""
    rng = random.Random(seed)
    async with uows() as uow:
        staff = await uow.users.list_staff()
        if any(u.role is Role.SELLER for u in staff):
            return False
        people = {p.id: await _member(uow, p, now - timedelta(days=DAYS + 1)) for p in PERSONAS}
        sellers = [people[p.id] for p in PERSONAS if p.role == "seller"]
        clients = [
            await uow.clients.add(c, sellers[0], now - timedelta(days=DAYS)) for c in COMPANIES
        ]
        for persona, client in zip(
            [p for p in PERSONAS if p.role == "client"], clients, strict=False
        ):
            await uow.clients.link_chat(client.id, TelegramId(persona.id))
        pipelines = await uow.pipelines.list_active()
        for _ in range(deals):
            await _deal(uow, rng, now, pipelines, sellers, clients)
        await _plans(uow, rng, now, sellers, people[PERSONAS[1].id])
        await uow.commit()
    return True


async def _member(uow: UnitOfWork, persona: Persona, at: datetime) -> UserId:
    if persona.role in ("client", "guest"):
        return UserId(0)
    user = await uow.users.by_tg(TelegramId(persona.id))
    if user is None:
        user = await uow.users.add(
            TelegramId(persona.id), persona.first_name, persona.username, Role(persona.role),
            persona.language_code, at,
        )  # fmt: skip
    return user.id


async def _deal(
    uow: UnitOfWork,
    rng: random.Random,
    now: datetime,
    pipelines: list[Pipeline],
    sellers: list[UserId],
    clients: list[Client],
) -> None:
    pipeline = rng.choices(pipelines, weights=(6, 3, 1)[: len(pipelines)])[0]
    stages = sorted(pipeline.stages, key=lambda s: s.position)
    owner, client = rng.choice(sellers), rng.choice(clients)
    at = now - timedelta(days=rng.uniform(0, DAYS), hours=rng.uniform(0, 8))
    deal = await uow.deals.add(
        title=f"{client.company}: {rng.choice(PRODUCTS).lower()} {rng.choice(REGIONS_TITLES)}",
        client_id=client.id,
        amount=rng.randrange(30, 1500) * 1000 * RUB,
        pipeline_id=pipeline.id,
        stage_id=stages[0].id,
        owner_id=owner,
        channel=rng.choice(list(Channel)).value,
        product=rng.choice(PRODUCTS),
        is_new_client=pipeline.position == 0,
        now=at,
    )
    events = [DealEvent(deal.id, EventKind.CREATED, owner, at, to_stage_id=stages[0].id)]
    stage, reach = stages[0], rng.randint(0, len(stages) - 1)
    for nxt in stages[1 : reach + 1]:
        step = at + timedelta(days=rng.uniform(0.5, 6))
        if step >= now:
            break
        events.append(DealEvent(deal.id, EventKind.STAGE, owner, step, stage.id, nxt.id))
        stage, at = nxt, step
    closing = at + timedelta(days=rng.uniform(0.5, 5))
    outcome = DealStatus.OPEN
    if closing < now and rng.random() < 0.7:
        outcome = DealStatus.WON if rng.random() < 0.3 + 0.1 * stage.position else DealStatus.LOST
    change = DealChange.of(deal, stage_id=stage.id, stage_entered_at=at)
    if outcome is DealStatus.OPEN:
        await _task(uow, rng, now, deal.id, owner)
    else:
        kind = EventKind.WON if outcome is DealStatus.WON else EventKind.LOST
        reasons = [r.id for r in pipeline.lost_reasons]
        lost = rng.choice(reasons) if outcome is DealStatus.LOST and reasons else None
        events.append(DealEvent(deal.id, kind, owner, closing, from_stage_id=stage.id))
        change = DealChange.of(
            deal, stage_id=stage.id, stage_entered_at=at, status=outcome, closed_at=closing,
            lost_reason_id=lost,
        )  # fmt: skip
        if outcome is DealStatus.WON and rng.random() < 0.6:
            await _answer(uow, rng, deal.id, client.id, owner, pipeline.id, closing, now)
    await uow.deals.apply(change)
    await uow.events.add_many(events)


async def _task(
    uow: UnitOfWork, rng: random.Random, now: datetime, deal_id: Any, owner: UserId
) -> None:
    if rng.random() < 0.15:
        return  # a deal without a next task: a red flag the head should see
    due = now + timedelta(hours=rng.uniform(-72, 120))  # about one in four is overdue
    text = rng.choice(("Позвонить", "Отправить КП", "Назначить встречу", "Уточнить бюджет"))
    await uow.tasks.add(
        deal_id=deal_id, assignee_id=owner, created_by=owner, text=text, due_at=due,
        now=now - timedelta(days=rng.uniform(1, 5)),
    )  # fmt: skip


async def _answer(
    uow: UnitOfWork,
    rng: random.Random,
    deal_id: Any,
    client_id: Any,
    seller: UserId,
    pipeline_id: Any,
    won_at: datetime,
    now: datetime,
) -> None:
    asked = won_at + timedelta(days=1)
    answered = asked + timedelta(hours=rng.uniform(1, 30))
    if answered >= now:  # the client has not answered yet: no answer from the future
        return
    survey = await uow.surveys.add(
        token=secrets.token_urlsafe(12), client_id=client_id, seller_id=seller, deal_id=deal_id,
        pipeline_id=pipeline_id, kind=SurveyKind.AFTER_WON, created_by=None, now=asked,
        expires_at=asked + timedelta(days=14),
    )  # fmt: skip
    score = rng.choices(range(11), weights=(1, 1, 1, 1, 1, 2, 3, 5, 8, 12, 14))[0]
    await uow.surveys.answer(survey.id, score, answered)


async def _plans(
    uow: UnitOfWork, rng: random.Random, now: datetime, sellers: list[UserId], head: UserId
) -> None:
    first = date(now.year, now.month, 1)
    months = [first]
    for _ in range(3):
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    plans = [
        Plan(
            seller,
            month,
            rng.randrange(15, 40) * 100_000 * RUB,
            rng.randint(3, 8),
            rng.randint(10, 25),
            rng.randint(6, 15),
        )
        for seller in sellers
        for month in months
    ]
    await uow.plans.save(plans, head, now)
