"""What the outbox needs of storage: the queue of notices the sender delivers."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.domain.notices import Entry, Merge, Notice, OutboxItem
from bot.services.ports import UserRepo


class OutboxRepo(Protocol):
    async def add(self, notices: Sequence[Notice], now: datetime) -> int:
        """Queue the notices; one whose `dedup_key` is already queued is skipped. Returns added."""
        ...

    async def claim(
        self, owner: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[OutboxItem]:
        """Lease, for this worker alone, up to `limit` chats' next due notices (each the oldest
        undelivered one of its chat; an item whose lease ran out counts as undelivered)."""
        ...

    async def followers(self, chat_ids: Collection[int], now: datetime) -> list[OutboxItem]:
        """The due notices waiting behind these chats' heads, in queue order."""
        ...

    async def merge(
        self,
        head: int,
        owner: str,
        entries: Sequence[Entry],
        why: Merge,
        merged: Collection[int],
        text: str,
        reply_markup: dict[str, Any] | None,
    ) -> None: ...
    async def live_refs(self, refs: Iterable[str], now: datetime) -> set[str]: ...
    async def sent_since(
        self, chat_ids: Collection[int], since: datetime
    ) -> dict[int, list[tuple[datetime, str]]]: ...
    async def sending_owners(self) -> set[str]: ...
    async def release(self, owner: str) -> int: ...
    async def mark_sent(
        self, item_id: int, owner: str, now: datetime, message_id: int | None = None
    ) -> None:
        """Delivered; `message_id` is Telegram's id of its first part (a list's pages turn
        in it)."""
        ...

    async def part_sent(
        self, item_id: int, owner: str, parts_sent: int, message_id: int | None = None
    ) -> None: ...
    async def sent_list(self, chat_id: int, message_id: int) -> OutboxItem | None:
        """The notice delivered to the chat as that message, if it was recorded."""
        ...

    async def retry(
        self, item_id: int, owner: str, retry_at: datetime, error: str, attempts: int
    ) -> None: ...
    async def defer(self, item_id: int, owner: str, until: datetime, reason: str) -> None: ...
    async def mark_failed(self, item_id: int, owner: str, error: str) -> None: ...
    async def drop(self, item_id: int, owner: str, reason: str) -> None: ...
    async def purge_files(self, before: datetime) -> None: ...


class OutboxStore(Protocol):
    """What the sender's bookkeeping needs: the queue and the people it goes to."""

    @property
    def outbox(self) -> OutboxRepo: ...
    @property
    def users(self) -> UserRepo: ...
