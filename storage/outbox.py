"""The outbox: notifications persisted before they are sent, claimed by senders with a lease.

A chat's notices form a queue ordered by (`not_before`, `id`): only the oldest undelivered
one that is due may be claimed, so a notice waiting for a retry, or in flight in any
process, holds its chat's later ones back (order per chat, retries included).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.ids import TelegramId, UserId
from bot.domain.notices import Entry, Merge, Notice, OutboxItem, parse_ref
from bot.domain.surveys import SurveyStatus
from storage.models import DealRow, OutboxFileRow, OutboxRow, SurveyRow, TaskRow

PENDING, SENDING, SENT, FAILED, DROPPED = "pending", "sending", "sent", "failed", "dropped"
LIVE = (PENDING, SENDING)
# Each row binds about a dozen parameters; SQLite allows 32766 per statement.
_INSERT_CHUNK = 500
_ERROR_LENGTH = 500


def _entry_json(entry: Entry) -> list[Any]:
    return [entry.kind, entry.text, [list(row) for row in entry.buttons], entry.ref]


def _entry(raw: list[Any]) -> Entry:
    kind, text, buttons, ref = raw
    return Entry(kind, text, tuple(tuple(row) for row in buttons), ref)


def _payload(
    text: str,
    reply_markup: dict[str, Any] | None,
    entries: Sequence[Entry] = (),
    why: Merge | None = None,
) -> str:
    payload: dict[str, Any] = {"text": text, "reply_markup": reply_markup}
    if entries:
        payload["entries"] = [_entry_json(e) for e in entries]
    if why is not None:
        payload["why"] = why.value
    return json.dumps(payload, ensure_ascii=False)


def _values(notice: Notice, now: datetime) -> dict[str, Any]:
    return {
        "user_id": notice.user_id,
        "chat_id": notice.chat_id,
        "kind": notice.kind,
        "dedup_key": notice.dedup_key,
        "payload": _payload(notice.text, notice.reply_markup, notice.entries),
        "attachment": notice.photo,
        "status": PENDING,
        "attempts": 0,
        "not_before": notice.not_before or now,
        "created_at": now,
        "ref": notice.ref,
        "expires_at": notice.expires_at,
        "parts_sent": 0,
    }


def _item(row: OutboxRow, album: tuple[bytes, ...] = ()) -> OutboxItem:
    payload = json.loads(row.payload)
    notice = Notice(
        chat_id=TelegramId(row.chat_id),
        kind=row.kind,
        text=payload["text"],
        user_id=UserId(row.user_id) if row.user_id is not None else None,
        dedup_key=row.dedup_key,
        reply_markup=payload.get("reply_markup"),
        photo=row.attachment,
        not_before=row.not_before,
        album=album,
        entries=tuple(_entry(e) for e in payload.get("entries", ())),
        ref=row.ref,
        expires_at=row.expires_at,
    )
    why = Merge(payload["why"]) if "why" in payload else None
    return OutboxItem(
        id=row.id,
        notice=notice,
        attempts=row.attempts,
        created_at=row.created_at,
        parts_sent=row.parts_sent,
        why=why,
    )


def _claimable(now: datetime) -> Any:
    return or_(
        and_(
            OutboxRow.status == PENDING,
            OutboxRow.not_before <= now,
            or_(OutboxRow.retry_at.is_(None), OutboxRow.retry_at <= now),
        ),
        # A worker that died mid-send leaves its items "sending" until the lease runs out.
        and_(OutboxRow.status == SENDING, OutboxRow.lease_until < now),
    )


def _is_chat_head(now: datetime) -> Any:
    """No undelivered notice of the same chat that is due comes before this one, and none of
    the chat's is in flight (a leased one blocks its chat wherever it stands in the queue: a
    notice committed late with an earlier time must not go beside it)."""
    other = aliased(OutboxRow)
    return ~exists().where(
        other.chat_id == OutboxRow.chat_id,
        other.id != OutboxRow.id,
        or_(
            and_(other.status == SENDING, other.lease_until >= now),
            and_(
                other.status.in_(LIVE),
                other.not_before <= now,
                or_(
                    other.not_before < OutboxRow.not_before,
                    and_(other.not_before == OutboxRow.not_before, other.id < OutboxRow.id),
                ),
            ),
        ),
    )


def _backlog(now: datetime) -> Any:
    """How many of the chat's notices are due: the chat with the most goes first. Each chat
    sends one a second, so serving the longest queues first ends a backlog together in all
    chats, instead of a tail of the last few chats' notices a second apart (the order within
    a chat is the queue's whatever this says)."""
    other = aliased(OutboxRow)
    return (
        select(func.count())
        .where(
            other.chat_id == OutboxRow.chat_id,
            other.status.in_(LIVE),
            other.not_before <= now,
        )
        .correlate(OutboxRow)
        .scalar_subquery()
    )


class SqlOutboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, notices: Sequence[Notice], now: datetime) -> int:
        """Insert in the given order (ids order a chat's notices that are due together)."""
        added, plain = 0, []
        for notice in notices:
            if not notice.album:
                plain.append(_values(notice, now))
                if len(plain) == _INSERT_CHUNK:
                    added, plain = added + len(await self._insert(plain)), []
                continue
            if plain:
                added, plain = added + len(await self._insert(plain)), []
            added += await self._add_album(notice, now)
        if plain:
            added += len(await self._insert(plain))
        return added

    async def _add_album(self, notice: Notice, now: datetime) -> int:
        ids = await self._insert([_values(notice, now)])
        if not ids:
            return 0
        files = [
            {"outbox_id": ids[0], "position": i, "data": d} for i, d in enumerate(notice.album)
        ]
        await self._s.execute(insert(OutboxFileRow), files)
        return 1

    async def _insert(self, rows: list[dict[str, Any]]) -> list[int]:
        # ON CONFLICT DO NOTHING skips a known dedup_key inside the statement, so the caller's
        # transaction goes on (a unique violation would abort it on PostgreSQL).
        dialect = postgresql if self._s.get_bind().dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(OutboxRow)
            .values(rows)
            .on_conflict_do_nothing(index_elements=[OutboxRow.dedup_key])
            .returning(OutboxRow.id)
        )
        return list((await self._s.scalars(stmt)).all())

    async def claim(
        self, owner: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[OutboxItem]:
        """Lease up to `limit` chats' next notices: each the head of its chat's queue."""
        # SKIP LOCKED lets two workers claim side by side without waiting for or taking each
        # other's rows; SQLite renders no FOR UPDATE and serialises the UPDATE by its write lock.
        ids = (
            select(OutboxRow.id)
            .where(_claimable(now), _is_chat_head(now))
            .order_by(
                _backlog(now).desc(),
                func.coalesce(OutboxRow.retry_at, OutboxRow.not_before),
                OutboxRow.id,
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids.scalar_subquery()))
            .values(status=SENDING, lease_owner=owner, lease_until=lease_until)
            .returning(OutboxRow)
            .execution_options(synchronize_session=False)
        )
        rows = sorted((await self._s.scalars(stmt)).all(), key=lambda r: (r.not_before, r.id))
        albums = await self._albums([r.id for r in rows])
        return [_item(r, albums.get(r.id, ())) for r in rows]

    async def _albums(self, ids: Sequence[int]) -> dict[int, tuple[bytes, ...]]:
        if not ids:
            return {}
        rows = await self._s.execute(
            select(OutboxFileRow.outbox_id, OutboxFileRow.data)
            .where(OutboxFileRow.outbox_id.in_(ids))
            .order_by(OutboxFileRow.outbox_id, OutboxFileRow.position)
        )
        albums: dict[int, list[bytes]] = defaultdict(list)
        for outbox_id, data in rows:
            albums[outbox_id].append(data)
        return {k: tuple(v) for k, v in albums.items()}

    async def followers(self, chat_ids: Collection[int], now: datetime) -> list[OutboxItem]:
        """The due, waiting notices of these chats behind their heads, in queue order."""
        if not chat_ids:
            return []
        rows = await self._s.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.chat_id.in_(chat_ids),
                OutboxRow.status == PENDING,
                OutboxRow.not_before <= now,
            )
            .order_by(OutboxRow.chat_id, OutboxRow.not_before, OutboxRow.id)
        )
        return [_item(r) for r in rows]

    async def merge(
        self,
        head: int,
        owner: str,
        entries: Sequence[Entry],
        why: Merge,
        merged: Collection[int],
        text: str,
        reply_markup: dict[str, Any] | None,
    ) -> None:
        """The head (leased by `owner`) now carries these entries; the merged rows are done."""
        await self._s.execute(
            update(OutboxRow)
            .where(OutboxRow.id == head, OutboxRow.lease_owner == owner)
            .values(payload=_payload(text, reply_markup, entries, why))
            .execution_options(synchronize_session=False)
        )
        if merged:
            await self._s.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(merged), OutboxRow.status == PENDING)
                .values(status=DROPPED, merged_into=head, error=f"merged into {head}")
                .execution_options(synchronize_session=False)
            )

    async def live_refs(self, refs: Iterable[str], now: datetime) -> set[str]:
        """Which of these refs still hold (see `bot.domain.notices`); unknown kinds do."""
        parsed = {ref: parse_ref(ref) for ref in set(refs)}
        by_kind: dict[str, set[int]] = defaultdict(set)
        for p in parsed.values():
            if p is not None:
                by_kind[p[0]].add(p[1])
        tasks = await self._pairs(
            by_kind["task"],
            select(TaskRow.id, TaskRow.due_at).where(
                TaskRow.id.in_(by_kind["task"]), TaskRow.status == "open"
            ),
        )
        deals = await self._pairs(
            by_kind["deal"],
            select(DealRow.id, DealRow.stage_id).where(
                DealRow.id.in_(by_kind["deal"]), DealRow.status == "open"
            ),
        )
        surveys = await self._pairs(
            by_kind["survey"],
            select(SurveyRow.id, SurveyRow.id).where(
                SurveyRow.id.in_(by_kind["survey"]),
                SurveyRow.status == SurveyStatus.PENDING.value,
                SurveyRow.expires_at > now,
            ),
        )
        live = set()
        for ref, p in parsed.items():
            if p is None:
                live.add(ref)
                continue
            kind, ident, extra = p
            if kind == "task" and ident in tasks:
                due = tasks[ident]
                if extra is None or int(due.timestamp()) == extra:
                    live.add(ref)
            elif (
                (kind == "deal" and ident in deals and extra in (None, deals[ident]))
                or (kind == "survey" and ident in surveys)
                or kind not in ("task", "deal", "survey")
            ):
                live.add(ref)
        return live

    async def _pairs(self, ids: Collection[int], stmt: Any) -> dict[int, Any]:
        if not ids:
            return {}
        return {row[0]: row[1] for row in await self._s.execute(stmt)}

    async def sent_since(
        self, chat_ids: Collection[int], since: datetime
    ) -> dict[int, list[tuple[datetime, str]]]:
        """What each of these chats was sent on the bot's own since `since`: (when, kind)."""
        if not chat_ids:
            return {}
        rows = await self._s.execute(
            select(OutboxRow.chat_id, OutboxRow.sent_at, OutboxRow.kind)
            .where(
                OutboxRow.chat_id.in_(chat_ids),
                OutboxRow.status == SENT,
                OutboxRow.sent_at >= since,
            )
            .order_by(OutboxRow.sent_at)
        )
        sent: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
        for chat_id, at, kind in rows:
            if at is not None:
                sent[chat_id].append((at, kind))
        return dict(sent)

    async def sending_owners(self) -> set[str]:
        """Who holds leases now (a process that died keeps its leases until they run out)."""
        rows = await self._s.scalars(
            select(OutboxRow.lease_owner)
            .where(OutboxRow.status == SENDING, OutboxRow.lease_owner.is_not(None))
            .distinct()
        )
        return {r for r in rows if r}

    async def release(self, owner: str) -> int:
        """Give a dead process's leased notices back to the queue, in their places."""
        result = await self._s.execute(
            update(OutboxRow)
            .where(OutboxRow.status == SENDING, OutboxRow.lease_owner == owner)
            .values(status=PENDING, lease_owner=None, lease_until=None, retry_at=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def mark_sent(
        self, item_id: int, owner: str, now: datetime, message_id: int | None = None
    ) -> None:
        values: dict[str, Any] = {"message_id": message_id} if message_id is not None else {}
        await self._finish(
            item_id, owner, status=SENT, sent_at=now, error=None, lease_until=None, **values
        )

    async def part_sent(
        self, item_id: int, owner: str, parts_sent: int, message_id: int | None = None
    ) -> None:
        """A part of a multi-part notice went out: a crash after this resends only the rest."""
        values: dict[str, Any] = {"message_id": message_id} if message_id is not None else {}
        await self._finish(item_id, owner, parts_sent=parts_sent, **values)

    async def sent_list(self, chat_id: int, message_id: int) -> OutboxItem | None:
        """The list notice that went to the chat as that message (its entries, how merged)."""
        row = await self._s.scalar(
            select(OutboxRow)
            .where(
                OutboxRow.chat_id == chat_id,
                OutboxRow.message_id == message_id,
                OutboxRow.status == SENT,
            )
            .order_by(OutboxRow.id.desc())
            .limit(1)
        )
        return None if row is None else _item(row)

    async def retry(
        self, item_id: int, owner: str, retry_at: datetime, error: str, attempts: int
    ) -> None:
        """Back to the queue in its place; it may be tried again from `retry_at`."""
        await self._finish(
            item_id,
            owner,
            status=PENDING,
            retry_at=retry_at,
            attempts=attempts,
            error=error[:_ERROR_LENGTH],
            lease_owner=None,
            lease_until=None,
        )

    async def defer(self, item_id: int, owner: str, until: datetime, reason: str) -> None:
        """A list that must wait (hourly cap, spacing) takes its place in the queue at `until`,
        so the chat's other notices do not wait behind it."""
        await self._finish(
            item_id,
            owner,
            status=PENDING,
            not_before=until,
            retry_at=None,
            error=reason[:_ERROR_LENGTH],
            lease_owner=None,
            lease_until=None,
        )

    async def mark_failed(self, item_id: int, owner: str, error: str) -> None:
        await self._finish(
            item_id, owner, status=FAILED, error=error[:_ERROR_LENGTH], lease_until=None
        )

    async def drop(self, item_id: int, owner: str, reason: str) -> None:
        """No longer worth sending (stale, expired, the person left): done without a send."""
        await self._finish(
            item_id, owner, status=DROPPED, error=reason[:_ERROR_LENGTH], lease_until=None
        )

    async def _finish(self, item_id: int, owner: str, **values: Any) -> None:
        # Only the lease holder may record an outcome: a worker whose lease ran out and was
        # taken over must not overwrite what the new holder does.
        await self._s.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id == item_id,
                OutboxRow.lease_owner == owner,
                OutboxRow.status == SENDING,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def purge_files(self, before: datetime) -> None:
        """Album pictures of notices finished before `before` are not needed any more."""
        done = select(OutboxRow.id).where(
            OutboxRow.status.in_((SENT, FAILED, DROPPED)), OutboxRow.created_at < before
        )
        await self._s.execute(delete(OutboxFileRow).where(OutboxFileRow.outbox_id.in_(done)))
