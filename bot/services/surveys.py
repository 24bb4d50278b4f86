"""NPS surveys: a link for the client, the answer, alerts on detractors, follow-ups."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.access import is_staff
from bot.domain.errors import (
    AccessDeniedError,
    DealNotFoundError,
    RecoveryRaceError,
    ScoreInvalidError,
    SurveyAnsweredError,
    SurveyForStaffError,
    SurveyInvalidError,
    SurveyLinkSpentError,
)
from bot.domain.ids import ClientId, DealId, TelegramId, UserId
from bot.domain.models import Client, Deal, Role, User
from bot.domain.nps import NpsGroup, classify
from bot.domain.surveys import (
    AFTER_WON,
    COMMENT_MAX,
    RELATIONSHIP_EVERY,
    SURVEY_TTL,
    FollowUp,
    OpenedSurvey,
    Survey,
    SurveyKind,
    SurveyStatus,
    follow_up_allowed,
)
from bot.domain.tasks import Task
from bot.domain.text import clean_text
from bot.services.notify import enqueue
from bot.services.ports import Notifier
from bot.services.scope import may_touch_deal
from bot.services.surveys_ports import SurveyStore
from bot.services.team import Person

FOLLOW_UP_BATCH = 200
AFTER_WON_WINDOW = timedelta(days=7)  # a won deal older than this is not surveyed late


@dataclass(frozen=True, slots=True)
class SurveyLink:
    survey: Survey
    deal: Deal
    client: Client


async def ask_feedback(uow: SurveyStore, actor: User, deal_id: DealId, now: datetime) -> SurveyLink:
    """A survey about the deal and a single-use link for its client, valid for two weeks."""
    deal = await uow.deals.get(deal_id)
    if deal is None:
        raise DealNotFoundError()
    if not await may_touch_deal(uow, actor, deal):
        raise AccessDeniedError()
    if deal.client is None:
        raise DealNotFoundError()
    # Until someone opens it, asking again gives the same link: a double tap makes one survey.
    survey = await uow.surveys.pending_link(deal.id, now) or await _new_survey(
        uow, deal.client.id, deal, SurveyKind.LINK, actor.id, now
    )
    await uow.commit()
    return SurveyLink(survey, deal, deal.client)


async def _new_survey(
    uow: SurveyStore,
    client_id: ClientId,
    deal: Deal | FollowUp,
    kind: SurveyKind,
    created_by: UserId | None,
    now: datetime,
) -> Survey:
    owner = deal.owner_id if isinstance(deal, Deal) else deal.seller_id
    deal_id = deal.id if isinstance(deal, Deal) else deal.deal_id
    return await uow.surveys.add(
        token=secrets.token_urlsafe(24),  # 192 random bits
        client_id=client_id,
        seller_id=owner,
        deal_id=deal_id,
        pipeline_id=deal.pipeline_id,
        kind=kind,
        created_by=created_by,
        now=now,
        expires_at=now + SURVEY_TTL,
    )


async def open_survey(
    uow: SurveyStore, person: Person, token: str, now: datetime
) -> OpenedSurvey | None:
    """The client opened their link: link their chat, and show the question (None: no such
    survey token, so the code may be an invite)."""
    survey = await uow.surveys.by_token(token)
    if survey is None:
        return None
    if survey.status is not SurveyStatus.PENDING:
        # Only the client who answered hears so; anyone else (the link forwarded on, a
        # colleague) learns nothing about the answer, not even that there was one.
        if survey.chat_id != person.tg_id:
            raise SurveyLinkSpentError()
        raise SurveyAnsweredError()
    if not survey.is_open(now):
        raise SurveyInvalidError()
    user = await uow.users.by_tg(person.tg_id)
    if user is not None and user.role is not Role.CLIENT:
        raise SurveyForStaffError()
    client = await uow.clients.get(survey.client_id)
    if client is None or not await uow.surveys.bind_chat(survey.id, person.tg_id):
        raise SurveyInvalidError()  # a link forwarded on to a second person stays the first's
    await uow.clients.link_chat(client.id, person.tg_id)
    if user is None:
        await uow.users.add(
            person.tg_id, person.name, person.username, Role.CLIENT, person.language, now
        )
    opened = await _opened(uow, survey, client)
    await uow.commit()
    return opened


async def _opened(uow: SurveyStore, survey: Survey, client: Client) -> OpenedSurvey:
    names = await uow.users.names([survey.seller_id])
    deal = await uow.deals.get(survey.deal_id) if survey.deal_id else None
    contact = deal.contact if deal else None
    return OpenedSurvey(
        survey,
        client,
        names.get(survey.seller_id, ""),
        deal.title if deal else None,
        contact.name if contact and contact.has_name else None,
    )


async def _clients_survey(uow: SurveyStore, tg_id: TelegramId, survey_id: int) -> Survey:
    """A survey the person in this chat may answer: their own client's, nobody else's."""
    survey = await uow.surveys.get(survey_id)
    if survey is None or survey.chat_id != tg_id:
        raise SurveyInvalidError()
    return survey


async def awaiting_score(uow: SurveyStore, tg_id: TelegramId, now: datetime) -> Survey | None:
    """The survey this client still has to score, if any: typed text gets a hint to press."""
    return await uow.surveys.open_for_chat(tg_id, now)


async def record_score(
    uow: SurveyStore,
    tg_id: TelegramId,
    survey_id: int,
    score: int,
    now: datetime,
    notifier: Notifier,
) -> Survey:
    """One answer per survey; a detractor reaches the seller and the heads at once."""
    if not 0 <= score <= 10:
        raise ScoreInvalidError()
    survey = await _clients_survey(uow, tg_id, survey_id)
    if survey.status is SurveyStatus.ANSWERED:
        raise SurveyAnsweredError()
    if not survey.is_open(now) or not await uow.surveys.answer(survey.id, score, now):
        raise SurveyInvalidError()
    answered = await uow.surveys.get(survey.id)
    assert answered is not None
    await _alert(uow, answered, now, notifier)
    await uow.commit()
    return answered


async def _readers(uow: SurveyStore, survey: Survey, with_heads: bool) -> list[User]:
    people = {u.id: u for u in await uow.users.managers()} if with_heads else {}
    seller = await uow.users.get(survey.seller_id)
    if seller is not None:
        people[seller.id] = seller
    return [p for p in people.values() if is_staff(p)]


async def _alert(uow: SurveyStore, survey: Survey, now: datetime, notifier: Notifier) -> None:
    assert survey.score is not None
    group = classify(survey.score)
    if group is NpsGroup.PASSIVE:
        return
    client = await uow.clients.get(survey.client_id)
    assert client is not None
    readers = await _readers(uow, survey, with_heads=group is NpsGroup.DETRACTOR)
    notices = [notifier.nps_answer(survey, client, reader) for reader in readers]
    # A detractor is recovered now, not after the night: no quiet hours for this one.
    quiet = None if group is NpsGroup.DETRACTOR else notifier.quiet
    await enqueue(uow, notices, now, notifier.tz, quiet)


async def record_comment(
    uow: SurveyStore,
    tg_id: TelegramId,
    survey_id: int,
    text: str,
    now: datetime,
    notifier: Notifier,
) -> Survey:
    """The reason for the score; a detractor's reason follows the alert to the same people."""
    survey = await _clients_survey(uow, tg_id, survey_id)
    if survey.status is not SurveyStatus.ANSWERED or survey.score is None:
        raise SurveyInvalidError()
    if not await uow.surveys.comment(survey.id, clean_text(text, COMMENT_MAX)):
        raise SurveyAnsweredError()
    commented = await uow.surveys.get(survey.id)
    assert commented is not None
    if classify(survey.score) is NpsGroup.DETRACTOR:
        client = await uow.clients.get(survey.client_id)
        assert client is not None
        readers = await _readers(uow, commented, with_heads=True)
        notices = [notifier.nps_comment(commented, client, r) for r in readers]
        await enqueue(uow, notices, now, notifier.tz, None)
    await uow.commit()
    return commented


async def opt_out(uow: SurveyStore, tg_id: TelegramId, survey_id: int) -> None:
    """ "Don't ask me again": this client is never surveyed again."""
    survey = await _clients_survey(uow, tg_id, survey_id)
    await uow.clients.opt_out(survey.client_id)
    await uow.surveys.opt_out(survey.id)
    await uow.commit()


async def recovery_task(
    uow: SurveyStore, actor: User, survey_id: int, text: str, due_at: datetime, now: datetime
) -> tuple[Task, bool]:
    """A task for the deal's owner to win the detractor back; once per survey (False: existed)."""
    survey = await uow.surveys.get(survey_id)
    if survey is None or survey.deal_id is None:
        raise SurveyInvalidError()
    deal = await uow.deals.get(survey.deal_id)
    if deal is None or not await may_touch_deal(uow, actor, deal):
        raise AccessDeniedError()
    if survey.recovery_task_id is not None:
        existing = await uow.tasks.get(survey.recovery_task_id)  # type: ignore[arg-type]
        if existing is not None:
            return existing, False
    task = await uow.tasks.add(
        deal_id=deal.id,
        assignee_id=deal.owner_id,
        created_by=actor.id,
        text=text,
        due_at=due_at,
        now=now,
    )
    if not await uow.surveys.set_recovery_task(survey.id, task.id):
        await uow.rollback()
        raise RecoveryRaceError()
    await uow.commit()
    return task, True


async def send_follow_ups(uow: SurveyStore, now: datetime, notifier: Notifier) -> int:
    """Surveys straight to clients who answered before: after a won deal, and every quarter."""
    won_to = now - AFTER_WON
    due = [
        (SurveyKind.AFTER_WON, f)
        for f in await uow.surveys.due_after_won(won_to - AFTER_WON_WINDOW, won_to, FOLLOW_UP_BATCH)
    ]
    due += [
        (SurveyKind.RELATIONSHIP, f)
        for f in await uow.surveys.due_relationship(now - RELATIONSHIP_EVERY, FOLLOW_UP_BATCH)
    ]
    notices, asked = [], set()
    for kind, follow_up in due:
        client = await uow.clients.get(follow_up.client_id)
        if client is None or client.tg_id is None or client.id in asked:
            continue
        if not follow_up_allowed(await uow.surveys.last_for_client(client.id), now):
            continue
        asked.add(client.id)
        survey = await _new_survey(uow, client.id, follow_up, kind, None, now)
        await uow.surveys.bind_chat(survey.id, client.tg_id)
        survey = replace(survey, chat_id=client.tg_id)
        reader = await uow.users.by_tg(client.tg_id)
        opened = await _opened(uow, survey, client)
        notices.append(notifier.survey_question(opened, reader.language if reader else None))
    queued = await enqueue(uow, notices, now, notifier.tz, notifier.quiet)
    await uow.commit()
    return queued
