"""Queueing notifications in the outbox, and telling the heads when a user blocks the bot."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.domain.ids import UserId
from bot.domain.models import User
from bot.domain.notices import Entry, Merge, Notice, QuietHours, next_allowed
from bot.services.ports import UserRepo

# (manager, blocked user) → the text for that manager, in the manager's language.
UnreachableText = Callable[[User, User], str]
UNREACHABLE_KIND = "unreachable"
# Jobs of one tick run a few hundred milliseconds apart; the sender claims every 0.2 s.
LIST_GATHER = timedelta(seconds=3)


class DeliveryTexts(Protocol):
    """What the sender asks the one Telegram-facing notifier to word at the moment of sending."""

    def compose(
        self, reader: User | None, entries: Sequence[Entry], why: Merge
    ) -> tuple[str, dict[str, Any] | None]:
        """One message (HTML text, inline keyboard JSON) of a person's list entries, in the
        reader's language: a header by `why` and the kinds, the entries, their buttons; paged
        (the first entries, then "and N more" with a button to the whole list) so it keeps
        within Telegram's 4096 characters and 100 buttons."""
        ...

    def unreachable(self, head: User, user: User) -> str:
        """To a head or admin: `user` blocked the bot or has no chat with it any more."""
        ...


class NoticeQueue(Protocol):
    async def add(self, notices: Sequence[Notice], now: datetime) -> int: ...


class QueueStore(Protocol):
    """What queueing notices writes: the outbox, in the caller's transaction."""

    @property
    def outbox(self) -> NoticeQueue: ...


async def enqueue(
    uow: QueueStore,
    notices: Sequence[Notice],
    now: datetime,
    tz: ZoneInfo,
    quiet: QuietHours | None,
) -> int:
    """Queue notices, held back past the quiet hours (none: `quiet=None`); the caller commits.

    A list notice (reminders, stall lists, the agenda) waits `LIST_GATHER` first, so the
    lists that jobs queue for one person at one moment go out together as one message."""
    notices = [_gathered(n, now) if n.entries else n for n in notices]
    if quiet is not None:
        notices = [_after_quiet(n, now, tz, quiet) for n in notices]
    return await uow.outbox.add(notices, now)


def _gathered(notice: Notice, now: datetime) -> Notice:
    return replace(notice, not_before=max(notice.not_before or now, now) + LIST_GATHER)


def _after_quiet(notice: Notice, now: datetime, tz: ZoneInfo, quiet: QuietHours) -> Notice:
    # The notice's own time is what falls in the quiet hours or not, not the enqueueing time.
    planned = max(notice.not_before or now, now)
    return replace(notice, not_before=next_allowed(planned, tz, quiet))


class UnreachableStore(QueueStore, Protocol):
    """What telling the heads of a blocked user needs: the people, and the outbox."""

    @property
    def users(self) -> UserRepo: ...


async def report_unreachable(
    uow: UnreachableStore,
    user_id: UserId,
    now: datetime,
    tz: ZoneInfo,
    quiet: QuietHours | None,
    render: UnreachableText,
) -> int:
    """Mark the user unreachable; on that change, queue one notice to each head; caller commits."""
    if not await uow.users.set_reachable(user_id, False):
        return 0  # already known: the heads were told when it happened
    user = await uow.users.get(user_id)
    if user is None:
        return 0
    # The key names this episode: a user who comes back and blocks again is news again.
    episode = now.strftime("%Y%m%dT%H%M%S")
    notices = [
        Notice(
            chat_id=head.tg_id,
            kind=UNREACHABLE_KIND,
            text=render(head, user),
            user_id=head.id,
            dedup_key=f"unreachable:{user.id}:{head.id}:{episode}",
        )
        for head in await uow.users.managers()
        if head.id != user.id and head.is_reachable
    ]
    return await enqueue(uow, notices, now, tz, quiet)
