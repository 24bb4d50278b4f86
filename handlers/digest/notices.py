"""The digest as outbox notices: for each head the summary and three pictures, for each
seller their line. Pictures are rendered once per language, in worker threads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
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


async def head_notices(report: DigestReport, heads: Sequence[User], day: date) -> list[Notice]:
    """The summary with its buttons, then the pictures, to each head and admin."""
    charts: dict[str, Charts] = {}
    notices = []
    for head in heads:
        t = translator(head.language)
        key = f"digest:{day.isoformat()}:{head.id}"
        text = digest_text(t, report)
        notices.append(
            Notice(head.tg_id, "digest", text, head.id, f"{key}:text", _markup(t, report))
        )
        if report.digest.is_empty:
            continue
        if t.lang not in charts:
            charts[t.lang] = await render_charts(t, report)
        pictures = charts[t.lang]
        for name, png in (
            ("plan", pictures.plan),
            ("month", pictures.month),
            ("funnel", pictures.funnel),
        ):
            notices.append(Notice(head.tg_id, "digest", "", head.id, f"{key}:{name}", photo=png))
    return notices


def seller_notices(report: DigestReport, sellers: Sequence[User], day: date) -> list[Notice]:
    """Each seller's own line, at the same time as the heads' digest."""
    lines = {line.facts.seller_id: line for line in report.digest.sellers}
    notices = []
    for seller in sellers:
        line = lines.get(seller.id)
        if line is None:
            continue
        t = translator(seller.language)
        text = seller_line(t, report, line, seller.name)
        notices.append(
            Notice(
                seller.tg_id,
                "digest_line",
                text,
                seller.id,
                f"digest-line:{day.isoformat()}:{seller.id}",
            )
        )
    return notices
