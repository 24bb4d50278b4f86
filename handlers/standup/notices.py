"""The stand-up for the groups it is on in: one unit each, the team's summary with every
seller's line and the group's buttons, then the three pictures as one album (two sends of
the group's 20 a minute). Pictures are rendered once, in the company's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.domain.notices import Notice
from bot.domain.standup import StandupGroup
from bot.i18n import translator
from bot.services.digest import DigestReport
from handlers.digest.notices import render_charts
from handlers.digest.views import digest_text
from handlers.standup.views import group_markup


async def group_notices(
    report: DigestReport,
    groups: Sequence[StandupGroup],
    day: date,
    expires_at: datetime,
    language: str,
) -> list[Notice]:
    if not groups or report.digest.is_empty:
        return []
    t = translator(language)
    charts = await render_charts(t, report)
    return [
        Notice(
            chat_id=group.chat_id,
            kind="digest_group",
            text=digest_text(t, report),
            dedup_key=f"digest-group:{day.isoformat()}:{group.chat_id}",
            reply_markup=group_markup(t, report),
            album=(charts.plan, charts.month, charts.funnel),
            expires_at=expires_at,
        )
        for group in groups
    ]
