"""The load test's people (`benchmarks/load.py`): sellers, each working their own deal card
and tasks, and what each one does, update by update.

A person acts, waits until the bot has answered (the post's 2xx: an update is handled before
it), thinks 0.5–1.5 s and acts again. So no one looks like a flooder (flood control lets a
team member ten at once, then two a second), and one person's updates reach the bot one after
another, in the order sent, as Telegram delivers them.

What they do is a cycle of 25 updates (`CYCLE`): 22 button presses, answered with a toast
(answerCallbackQuery) and the pressed message edited in place — open the deal card, its
history, the task list, a task's card, "+1 hour", "Done" (7 of them write: five "Done", two
"+1 hour") — then "📝 Note" (answered, and the question asked in a new message) and the note
typed (saved; "saved" and the card come as two new messages). The mix of a CRM in a chat:
buttons and edits, now and then a typed line. Three messages in 25 updates are posted (12 %).
Each person starts at another point of the cycle (`phase_of`), so the team's notes spread over
the run as a working day spreads them.

The team is seeded as it stands mid-morning (`seed`): each seller with a deal and tasks due
tomorrow, the day's agenda and digest already sent, so no job messages everyone during the
measurement; their chats hold the deal card and the task list from earlier (`place`).
"""

from __future__ import annotations

import asyncio
import enum
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.ids import TaskId, TelegramId
from bot.domain.models import Role
from bot.services.team import prepare_installation
from handlers.deals.callbacks import CardAction, DealCb
from handlers.tasks.callbacks import TaskAction, TaskCb, TasksCb
from sandbox.webhook import WebhookPoster
from sandbox.world import World
from storage.db import make_engine, make_sessions, migrate
from storage.uow import SqlUnitOfWorkFactory

TZ = ZoneInfo("Europe/Moscow")  # the bot's default time zone: its agenda and digest days


class Act(enum.Enum):
    OPEN_DEAL = "open deal"
    HISTORY = "history"
    LIST = "task list"
    OPEN_TASK = "open task"
    HOUR = "+1 hour"
    DONE = "done"
    NOTE = "note button"
    TYPE_NOTE = "typed note"


@dataclass(frozen=True)
class Step:
    act: Act
    task: int = -1  # which of the person's tasks (in the cycle; absolute in a script)

    @property
    def on_tasks(self) -> bool:
        """Pressed on the task message, else on the deal card."""
        return self.act in (Act.LIST, Act.OPEN_TASK, Act.HOUR, Act.DONE)


# Each message alternates screens, so no edit repeats the screen it replaces (Telegram would
# refuse it as "not modified").
CYCLE = (
    Step(Act.OPEN_DEAL), Step(Act.HISTORY), Step(Act.LIST), Step(Act.DONE, 0),
    Step(Act.OPEN_TASK, 1), Step(Act.HOUR, 1), Step(Act.DONE, 1), Step(Act.OPEN_DEAL),
    Step(Act.LIST), Step(Act.OPEN_TASK, 2), Step(Act.DONE, 2), Step(Act.NOTE),
    Step(Act.TYPE_NOTE), Step(Act.HISTORY), Step(Act.LIST), Step(Act.DONE, 3),
    Step(Act.OPEN_DEAL), Step(Act.OPEN_TASK, 4), Step(Act.HOUR, 4), Step(Act.DONE, 4),
    Step(Act.HISTORY), Step(Act.LIST), Step(Act.OPEN_DEAL), Step(Act.OPEN_TASK, 0),
    Step(Act.HISTORY),
)  # fmt: skip
TASKS_PER_CYCLE = 5


def script(updates: int, phase: int = 0) -> list[Step]:
    """A person's updates: the cycle from `phase` on, over and over, each round on five fresh
    tasks."""
    steps = []
    for seq in range(phase, phase + updates):
        step = CYCLE[seq % len(CYCLE)]
        offset = (seq // len(CYCLE)) * TASKS_PER_CYCLE
        steps.append(replace(step, task=step.task + offset) if step.task >= 0 else step)
    return steps


def phase_of(index: int) -> int:
    """Where in the cycle a person starts: people spread over it as a team's day would spread
    them (all in step, their notes would come in bursts), none with a note to type first."""
    phase = index * 7 % len(CYCLE)
    return phase + 1 if CYCLE[phase].act is Act.TYPE_NOTE else phase


def messages_asked(steps: list[Step]) -> int:
    """The new messages the bot posts for these updates: the note's question, then "saved"
    and the card."""
    return sum({Act.NOTE: 1, Act.TYPE_NOTE: 2}.get(step.act, 0) for step in steps)


@dataclass(frozen=True)
class Plan:
    users: int = 200
    per_user: int = 50
    workers: int = 1
    think: tuple[float, float] = (0.5, 1.5)  # seconds between an answer and the next act
    connections: int = 40  # posts in flight at most (Telegram's max_connections default)
    seed: int = 12

    @property
    def updates(self) -> int:
        return self.users * self.per_user

    @property
    def tasks_each(self) -> int:
        """Enough for the latest phase: it ends the most rounds in."""
        rounds = -(-(self.per_user + len(CYCLE) - 1) // len(CYCLE))
        return rounds * TASKS_PER_CYCLE


@dataclass
class Person:
    index: int
    tg: int
    deal: int
    tasks: list[TaskId]
    phase: int = 0  # where in the cycle they start
    card_message: int = 0  # the deal card in their chat, from earlier
    tasks_message: int = 0  # their task list, from earlier

    def press(self, step: Step) -> str:
        """The callback data of the button the step presses, as the bot drew it."""
        deal_action = {Act.OPEN_DEAL: CardAction.OPEN, Act.HISTORY: CardAction.HISTORY,
                       Act.NOTE: CardAction.NOTE}  # fmt: skip
        task_action = {Act.OPEN_TASK: TaskAction.OPEN, Act.HOUR: TaskAction.HOUR,
                       Act.DONE: TaskAction.DONE}  # fmt: skip
        if step.act in deal_action:
            return DealCb(action=deal_action[step.act], deal_id=self.deal).pack()
        if step.act in task_action:
            return TaskCb(action=task_action[step.act], task_id=self.tasks[step.task]).pack()
        return TasksCb().pack()


def mark(person: Person, seq: int) -> str:
    return f"N{person.index:04d}-{seq:03d}"


async def seed(db_url: str, plan: Plan, first_tg: int, admin: int) -> list[Person]:
    """The schema, and the team as it stands mid-morning: each seller with a deal and tasks
    due tomorrow; today's (and tomorrow's) agenda and digest already sent, so no job
    messages 200 people in the middle of the measurement."""
    engine = make_engine(db_url)
    try:
        await migrate(engine)
        uows = SqlUnitOfWorkFactory(make_sessions(engine))
        async with uows() as uow:
            await prepare_installation(uow, [admin], "ru")
        now = datetime.now(UTC)
        due = now + timedelta(days=1)
        people = []
        async with uows() as uow:
            stage = (await uow.pipelines.list_active())[0].first_stage
            for index in range(plan.users):
                tg = first_tg + index
                user = await uow.users.add(
                    TelegramId(tg), f"Продавец {index}", None, Role.SELLER, "ru", now
                )
                deal = await uow.deals.add(
                    title=f"Поставка №{index}", client_id=None, amount=150_000_00,
                    pipeline_id=stage.pipeline_id, stage_id=stage.id, owner_id=user.id,
                    channel=None, product=None, is_new_client=True, now=now,
                )  # fmt: skip
                tasks = []
                for k in range(plan.tasks_each):
                    task = await uow.tasks.add(
                        deal_id=None, assignee_id=user.id, created_by=user.id,
                        text=f"Позвонить клиенту {k}", due_at=due, now=now,
                    )  # fmt: skip
                    tasks.append(task.id)
                people.append(Person(index, tg, deal.id, tasks, phase_of(index)))
            for moment in (now, now + timedelta(days=1)):
                for job in ("agenda", "digest"):
                    day = moment.astimezone(TZ).date()
                    await uow.job_runs.claim(job, day.isoformat(), now)
            await uow.commit()
        return people
    finally:
        await engine.dispose()


async def place(world: World, people: list[Person]) -> None:
    """Each person in the stand-in, with the deal card and task list the bot sent earlier."""
    for person in people:
        world.user(person.tg, f"Продавец {person.index}", language_code="ru")
        card = await world.bot_sends(person.tg, text=f"Сделка «Поставка №{person.index}»")
        listing = await world.bot_sends(person.tg, text="Задачи")
        person.card_message, person.tasks_message = card["message_id"], listing["message_id"]


async def work(
    person: Person,
    steps: list[Step],
    world: World,
    poster: WebhookPoster,
    rng: random.Random,
    think: tuple[float, float],
    presses: dict[tuple[int, int], str],
) -> None:
    """One person's updates, each after the previous was answered and a moment's thought."""
    for seq, step in enumerate(steps):
        await asyncio.sleep(rng.uniform(*think))
        if step.act is Act.TYPE_NOTE:
            await world.user_sends(
                person.tg, f"Созвонились, ждут КП к пятнице. {mark(person, seq)}"
            )
        else:
            message = person.tasks_message if step.on_tasks else person.card_message
            query = await world.user_presses(person.tg, message, person.press(step))
            presses[(person.index, seq)] = query
        await poster.settled(person.tg)
