"""The digest as outbox notices: for each head one unit (the summary, then its three pictures
as an album), for each seller their line. Pictures are rendered once per language, in worker
threads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain.calendar import month_bounds
from bot.domain.models import User
from bot.domain.notices import Notice
from bot.i18n import Translator, translator
from bot.reports.charts import render
from bot.reports.funnel_chart import FunnelBar, funnel_png
from bot.reports.plan_charts import MonthProgress, SellerBar, month_progress_png, plan_vs_fact_png
from bot.services.digest import DigestReport
from handlers.digest.views import digest_keyboard, digest_text, seller_line

CHART_SELLERS = 20  # bars beyond this are unreadable on a phone


@dataclass(frozen=True, slots=True)
class Charts:
    plan: bytes
    month: bytes
    funnel: bytes


async def render_charts(t: Translator, report: DigestReport) -> Charts:
    """The three pictures in the reader's language, off the event loop."""
    d = report.digest
    bars = [
        SellerBar(report.names.get(s.facts.seller_id, "?"), s.fact, s.plan)
        for s in d.sellers[:CHART_SELLERS]
    ]
    plan = await render(
        plan_vs_fact_png,
        bars,
        title=t("digest.chart.plan"),
        plan_label=t("digest.label.plan"),
        fact_label=t("digest.label.fact"),
        no_plan=t("digest.no_plan"),
        currency=report.currency,
        lang=t.lang,
    )
    start, end = month_bounds(d.day)
    progress = MonthProgress(start, end, d.cumulative, d.month.plan, d.month.forecast)
    month = await render(
        month_progress_png,
        progress,
        title=t("digest.chart.month"),
        fact_label=t("digest.label.fact"),
        plan_label=t("digest.label.plan"),
        forecast_label=t("digest.label.forecast"),
        currency=report.currency,
        lang=t.lang,
        no_data=t("digest.no_data"),
    )
    funnel = report.funnel
    funnel_bars = (
        [
            FunnelBar(s.name, c.reached, c.rate)
            for s, c in zip(funnel.pipeline.stages, funnel.conversions, strict=True)
        ]
        if funnel
        else []
    )
    picture = await render(
        funnel_png,
        funnel_bars,
        title=t("digest.chart.funnel", pipeline=funnel.pipeline.name if funnel else "—"),
        won_label=t("digest.label.won"),
        won=funnel.won if funnel else 0,
        no_data=t("digest.no_data"),
        lang=t.lang,
    )
    return Charts(plan, month, picture)


def _markup(t: Translator, report: DigestReport) -> dict[str, Any]:
    return digest_keyboard(t, report).model_dump(mode="json", exclude_none=True)


async def head_notices(
    report: DigestReport, heads: Sequence[User], day: date, expires_at: datetime
) -> list[Notice]:
    """To each head and admin one unit: the summary with its buttons, then the three pictures
    as one album, worth sending until the working day is over."""
    charts: dict[str, Charts] = {}
    notices = []
    for head in heads:
        t = translator(head.language)
        album: tuple[bytes, ...] = ()
        if not report.digest.is_empty:
            if t.lang not in charts:
                charts[t.lang] = await render_charts(t, report)
            pictures = charts[t.lang]
            album = (pictures.plan, pictures.month, pictures.funnel)
        notices.append(
            Notice(
                chat_id=head.tg_id,
                kind="digest",
                text=digest_text(t, report),
                user_id=head.id,
                dedup_key=f"digest:{day.isoformat()}:{head.id}",
                reply_markup=_markup(t, report),
                album=album,
                expires_at=expires_at,
            )
        )
    return notices


def seller_notices(
    report: DigestReport, sellers: Sequence[User], day: date, expires_at: datetime
) -> list[Notice]:
    """Each seller's own line, at the same time as the heads' digest, until the day is over."""
    lines = {line.facts.seller_id: line for line in report.digest.sellers}
    notices = []
    for seller in sellers:
        line = lines.get(seller.id)
        if line is None:
            continue
        t = translator(seller.language)
        notices.append(
            Notice(
                chat_id=seller.tg_id,
                kind="digest_line",
                text=seller_line(t, report, line, seller.name),
                user_id=seller.id,
                dedup_key=f"digest-line:{day.isoformat()}:{seller.id}",
                expires_at=expires_at,
            )
        )
    return notices
