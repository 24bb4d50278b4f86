"""The company's settings: read with every update and job run, changed by an admin, audited."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.audit import AuditEntry
from bot.domain.company import FIELDS, CompanySettings, changed, show
from bot.domain.errors import AccessDeniedError, SettingInvalidError
from bot.domain.ids import UserId
from bot.domain.models import Role, User
from bot.services.ports import AuditRepo, SettingRepo, UserRepo

PREFIX = "company."
AUDIT_PAGE = 10
log = logging.getLogger(__name__)


class CompanyStore(Protocol):
    """The company's settings and its audit log: one transaction, committed by the service."""

    @property
    def settings(self) -> SettingRepo: ...
    @property
    def audit(self) -> AuditRepo: ...
    @property
    def users(self) -> UserRepo: ...

    async def commit(self) -> None: ...


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    names: dict[UserId, str]
    page: int
    pages: int


def _require_admin(actor: User) -> None:
    if not actor.is_active or actor.role is not Role.ADMIN:
        raise AccessDeniedError()


async def current(uow: CompanyStore, defaults: CompanySettings) -> CompanySettings:
    """The defaults with every stored change applied; a value that no longer parses is skipped."""
    settings = defaults
    for key, raw in (await uow.settings.with_prefix(PREFIX)).items():
        try:
            settings = changed(settings, key, raw)
        except SettingInvalidError:
            log.warning("ignoring the stored company setting %s=%r", key, raw)
    return settings


async def change_setting(
    uow: CompanyStore, actor: User, key: str, raw: str, now: datetime, defaults: CompanySettings
) -> tuple[CompanySettings, bool]:
    """An admin changes one setting; it takes effect at once and lands in the audit log.

    Returns the new settings and False when the value was the same as before.
    """
    _require_admin(actor)
    before = await current(uow, defaults)
    after = changed(before, key, raw)
    old, new = show(before, key), show(after, key)
    if old == new:
        return after, False
    await uow.settings.put(PREFIX + key, new)
    await uow.audit.add(AuditEntry(actor.id, now, "setting", key, old, new))
    await uow.commit()
    return after, True


async def audit_log(uow: CompanyStore, actor: User, page: int) -> AuditPage:
    """Admin changes, newest first, a page at a time."""
    _require_admin(actor)
    _, total = await uow.audit.page(0, 0)
    pages = max(1, -(-total // AUDIT_PAGE))
    page = min(max(page, 0), pages - 1)
    entries, _ = await uow.audit.page(page * AUDIT_PAGE, AUDIT_PAGE)
    names = await uow.users.names([e.actor_id for e in entries if e.actor_id is not None])
    return AuditPage(entries, names, page, pages)


SETTING_KEYS = tuple(FIELDS)
