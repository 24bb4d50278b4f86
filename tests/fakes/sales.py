"""A small sales team on the in-memory unit of work, and a notifier that words nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.ids import (
    ClientId,
    DealId,
    DepartmentId,
    PipelineId,
    StageId,
    TaskId,
    TelegramId,
    UserId,
)
from bot.domain.models import Client, Deal, DealStatus, Pipeline, Role, Stage, User
from bot.domain.notices import Notice, QuietHours
from bot.domain.surveys import OpenedSurvey, Survey
from bot.domain.tasks import Task, TaskStatus
from tests.fakes.memory_uow import MemoryUnitOfWork, World

MOSCOW = ZoneInfo("Europe/Moscow")
NOON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 12:00 in Moscow, a Monday
PIPELINE = PipelineId(1)
NEW, MEETING, CONTRACT = StageId(11), StageId(12), StageId(13)
RED, BLUE = DepartmentId(1), DepartmentId(2)


def _person(i: int, name: str, role: Role, team: DepartmentId | None = None) -> User:
    return User(UserId(i), TelegramId(1000 + i), name, role, "ru", department_id=team)


ADMIN = _person(1, "Admin", Role.ADMIN)
HEAD = _person(2, "Helen", Role.HEAD)  # leads the red team
ANNA = _person(3, "Anna", Role.SELLER, RED)
BORIS = _person(4, "Boris", Role.SELLER, BLUE)
VERA = _person(5, "Vera", Role.SELLER, RED)  # owns the contract stage: deals there go to her


@dataclass
class Team:
    """The world, and the deals and tasks a test starts from."""

    world: World = field(default_factory=World)

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.world)

    def deal(self, owner: User, stage: StageId = NEW, version: int = 3) -> Deal:
        deal = Deal(
            id=DealId(self.world.next_id(self.world.deals)),
            title=f"{owner.name}'s client",
            client=None,
            amount=100_000,
            currency="RUB",
            pipeline_id=PIPELINE,
            stage_id=stage,
            owner_id=owner.id,
            status=DealStatus.OPEN,
            created_at=NOON,
            stage_entered_at=NOON,
            version=version,
        )
        self.world.deals[deal.id] = deal
        return deal

    def task(self, deal: Deal | None, assignee: User, due_at: datetime = NOON) -> Task:
        task = Task(
            id=TaskId(self.world.next_id(self.world.tasks)),
            deal_id=deal.id if deal else None,
            assignee_id=assignee.id,
            created_by=assignee.id,
            text="Call",
            due_at=due_at,
            status=TaskStatus.OPEN,
            created_at=NOON,
            version=1,
            remind_at=due_at,
        )
        self.world.tasks[task.id] = task
        return task


def team() -> Team:
    world = World(
        users={u.id: u for u in (ADMIN, HEAD, ANNA, BORIS, VERA)},
        teams={RED: HEAD.id, BLUE: None},
        pipelines={
            PIPELINE: Pipeline(
                PIPELINE,
                "Sales",
                "b2b",
                0,
                (
                    Stage(NEW, PIPELINE, "New", 0, 10, 3),
                    Stage(MEETING, PIPELINE, "Meeting", 1, 40, 5),
                    Stage(CONTRACT, PIPELINE, "Contract", 2, 80, 7, owner_id=VERA.id),
                ),
            )
        },
        clients={ClientId(1): Client(ClientId(1), "Romashka")},
    )
    return Team(world)


class Notifier:
    """Says who is told what (the kind and the deal), in no language."""

    tz = MOSCOW
    quiet = QuietHours()

    def _notice(self, to: User, kind: str, deal: Deal) -> Notice:
        return Notice(to.tg_id, kind, f"{kind} {deal.id}", user_id=to.id)

    def handoff_offered(self, deal: Deal, stage: Stage, to: User, by: User) -> Notice:
        return self._notice(to, "handoff_offered", deal)

    def handoff_decided(self, deal: Deal, reader: User, new_owner: User, accepted: bool) -> Notice:
        return self._notice(reader, "handoff_accepted" if accepted else "handoff_declined", deal)

    def nps_answer(self, survey: Survey, client: Client, reader: User) -> Notice:
        raise NotImplementedError

    def nps_comment(self, survey: Survey, client: Client, reader: User) -> Notice:
        raise NotImplementedError

    def survey_question(self, opened: OpenedSurvey, language: str | None) -> Notice:
        raise NotImplementedError
