"""Taking the next notices to send: each chat's head, checked and merged before it goes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.domain.ids import UserId
from bot.domain.models import User
from bot.domain.notices import LIST_KINDS, DeliveryPolicy, Entry, Merge, OutboxItem
from bot.services.notify import DeliveryTexts
from bot.services.outbox_ports import OutboxStore

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A notice leased for sending, with the words it goes out with."""

    item: OutboxItem
    text: str
    markup: dict[str, Any] | None
    # When this chat was last sent something (by any process), if within the last hour: the
    # chat's next send keeps Telegram's interval from it, even across a restart.
    last_sent: datetime | None = None


async def claim_batch(
    uow: OutboxStore,
    owner: str,
    now: datetime,
    limit: int,
    policy: DeliveryPolicy,
    texts: DeliveryTexts,
    recovered_at: datetime | None = None,
    on_drop: Callable[[str], object] | None = None,
) -> list[Claimed]:
    """Lease up to `limit` chats' next notices; drop what is no longer worth sending; merge a
    person's list notices that wait together. `recovered_at`: Telegram came back then, so
    lists that waited for it are worded as a catch-up. `on_drop` hears the reason of each
    notice dropped (for metrics). The caller commits."""
    lease_until = now + timedelta(seconds=policy.lease_seconds)
    items = await uow.outbox.claim(owner, now, lease_until, limit)
    if not items:
        return []
    users = await uow.users.many([i.notice.user_id for i in items if i.notice.user_id])
    lists = [i for i in items if i.notice.entries]
    chats = {i.notice.chat_id for i in lists}
    runs = _runs(lists, await uow.outbox.followers(chats, now) if chats else [])
    refs = _refs(items, runs)
    live = await uow.outbox.live_refs(refs, now) if refs else set()
    sent = await uow.outbox.sent_since({i.notice.chat_id for i in items}, now - HOUR)
    ctx = _Context(uow, owner, now, policy, texts, live, recovered_at, on_drop)
    claimed = await _prepared(ctx, items, users, runs, sent)
    return [replace(c, last_sent=_last(sent.get(c.item.notice.chat_id))) for c in claimed]


def _last(sent: Sequence[tuple[datetime, str]] | None) -> datetime | None:
    return sent[-1][0] if sent else None


async def _prepared(
    ctx: _Context,
    items: Sequence[OutboxItem],
    users: Mapping[UserId, User],
    runs: Mapping[int, list[OutboxItem]],
    sent: Mapping[int, list[tuple[datetime, str]]],
) -> list[Claimed]:
    now, policy, live = ctx.now, ctx.policy, ctx.live
    claimed = []
    for item in items:
        reason = _not_worth_sending(item, users, live, now, policy)
        if reason is not None:
            await ctx.drop(item, reason)
        elif not item.notice.entries:
            claimed.append(Claimed(item, item.notice.text, item.notice.reply_markup))
        else:
            reader = users.get(item.notice.user_id) if item.notice.user_id else None
            chat = item.notice.chat_id
            ready = await ctx.prepare(item, runs.get(chat, []), reader, sent.get(chat, []))
            if ready is not None:
                claimed.append(ready)
    return claimed


def _runs(
    heads: Sequence[OutboxItem], followers: Sequence[OutboxItem]
) -> dict[int, list[OutboxItem]]:
    """Each list head's followers up to the first notice that is not a list (it keeps its turn)."""
    head_ids = {h.id for h in heads}
    by_chat: dict[int, list[OutboxItem]] = defaultdict(list)
    for item in followers:
        if item.id not in head_ids:
            by_chat[item.notice.chat_id].append(item)
    runs = {}
    for chat, queue in by_chat.items():
        run = []
        for item in queue:
            if not item.notice.entries or item.notice.parts > 1:
                break
            run.append(item)
        runs[chat] = run
    return runs


def _refs(items: Iterable[OutboxItem], runs: Mapping[int, list[OutboxItem]]) -> set[str]:
    refs = set()
    for item in [*items, *(f for run in runs.values() for f in run)]:
        if item.notice.ref:
            refs.add(item.notice.ref)
        refs.update(e.ref for e in item.notice.entries if e.ref)
    return refs


def _not_worth_sending(
    item: OutboxItem,
    users: Mapping[UserId, User],
    live: set[str],
    now: datetime,
    policy: DeliveryPolicy,
) -> str | None:
    notice = item.notice
    if notice.user_id is not None:
        user = users.get(notice.user_id)
        if user is None or not user.is_active:
            return "inactive"
    if _expired(item, now, policy):
        return "expired"
    # A list's own ref is its first entry's; its entries are checked one by one.
    if notice.ref and not notice.entries and notice.ref not in live:
        return "stale"
    return None


def _expired(item: OutboxItem, now: datetime, policy: DeliveryPolicy) -> bool:
    notice = item.notice
    if notice.expires_at is not None:
        return notice.expires_at <= now
    if notice.ref or notice.entries:
        return False  # worth sending while what it is about holds
    return (notice.not_before or item.created_at) + policy.horizon <= now


@dataclass
class _Context:
    uow: OutboxStore
    owner: str
    now: datetime
    policy: DeliveryPolicy
    texts: DeliveryTexts
    live: set[str]
    recovered_at: datetime | None
    on_drop: Callable[[str], object] | None = None

    async def drop(self, item: OutboxItem, reason: str) -> None:
        await self.uow.outbox.drop(item.id, self.owner, reason)
        if self.on_drop is not None:
            self.on_drop(reason)

    def _fresh(self, entries: Iterable[Entry]) -> list[Entry]:
        return [e for e in entries if e.ref is None or e.ref in self.live]

    async def prepare(
        self,
        item: OutboxItem,
        run: Sequence[OutboxItem],
        reader: User | None,
        sent: Sequence[tuple[datetime, str]],
    ) -> Claimed | None:
        """The head with its followers' entries; None if nothing is left, or it must wait."""
        notice = item.notice
        entries = self._fresh(notice.entries)
        for follower in run:
            if not _expired(follower, self.now, self.policy):
                entries += self._fresh(follower.notice.entries)
        merged = [f.id for f in run]
        why = self._why(item, run, sent)
        # Alone, whole and on time, a list goes in its own words (its author composed them).
        plain = (
            len(entries) == len(notice.entries)
            and not merged
            and why is Merge.TOGETHER
            and bool(notice.text)
        )
        text, markup = (
            (notice.text, notice.reply_markup)
            if plain or not entries
            else self.texts.compose(reader, entries, why)
        )
        if merged or not plain:
            await self.uow.outbox.merge(item.id, self.owner, entries, why, merged, text, markup)
        if not entries:
            await self.drop(item, "stale")
            return None
        until = self._held_until(sent)
        if until is not None:
            held = "held: hourly cap" if why is Merge.HELD else "held: a list was just sent"
            await self.uow.outbox.defer(item.id, self.owner, until, held)
            return None
        return Claimed(replace(item, notice=replace(notice, entries=tuple(entries))), text, markup)

    def _held_until(self, sent: Sequence[tuple[datetime, str]]) -> datetime | None:
        """When a list may go: under the hourly cap, and `list_spacing` after the last list."""
        cap, until = self.policy.hourly_cap, None
        if cap and len(sent) >= cap:
            until = sent[len(sent) - cap][0] + HOUR
        lists = [at for at, kind in sent if kind in LIST_KINDS]
        if lists and self.now < lists[-1] + self.policy.list_spacing:
            until = max(until or self.now, lists[-1] + self.policy.list_spacing)
        return until

    def _why(
        self, item: OutboxItem, run: Sequence[OutboxItem], sent: Sequence[tuple[datetime, str]]
    ) -> Merge:
        if self.policy.hourly_cap and len(sent) >= self.policy.hourly_cap:
            return Merge.HELD
        if item.why is Merge.HELD:
            return Merge.HELD
        # Attempts count only failures to reach Telegram (a 429 or a held token spends none).
        oldest = min((i.notice.not_before or i.created_at) for i in [item, *run])
        late = bool(self.recovered_at and oldest < self.recovered_at)
        if item.why is Merge.OUTAGE or item.attempts or late:
            return Merge.OUTAGE
        return Merge.TOGETHER


@dataclass(frozen=True, slots=True)
class SentList:
    """A list as its reader sees it now: the entries still worth acting on, how it came."""

    entries: list[Entry]
    why: Merge
    total: int  # entries when it was sent


async def sent_list(
    uow: OutboxStore, reader: User, chat_id: int, message_id: int, now: datetime
) -> SentList | None:
    """The list notice the reader's chat got as that message, without the entries done or
    moved on since (a task closed, a deal moved); None if it is not the reader's list."""
    if chat_id != reader.tg_id:
        return None
    item = await uow.outbox.sent_list(chat_id, message_id)
    if item is None or not item.notice.entries or item.notice.user_id not in (None, reader.id):
        return None
    refs = {e.ref for e in item.notice.entries if e.ref}
    live = await uow.outbox.live_refs(refs, now) if refs else set()
    entries = [e for e in item.notice.entries if e.ref is None or e.ref in live]
    return SentList(entries, item.why or Merge.TOGETHER, len(item.notice.entries))
