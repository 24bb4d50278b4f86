"""Texts and keyboards of the deal screens, built from service results."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.deals import DealEvent, EventKind
from bot.domain.ids import StageId, UserId
from bot.domain.models import Client, DealStatus, Pipeline
from bot.domain.money import format_amount
from bot.i18n import Translator
from bot.services.deals import PAGE_SIZE, DealPage, DealView
from handlers.deals.callbacks import (
    CardAction,
    DealCb,
    DealsPageCb,
    NewDealCb,
    NewDealStep,
    NextStageCb,
)
from handlers.deals.edit_views import day_text, edit_button, edit_history_text
from handlers.deals.inbox_views import attach_button, file_history_text, forwarded_text
from handlers.deals.task_history import TASK_KINDS, task_history_text
from handlers.keyboards import rows_of
from handlers.screens import Screen
from handlers.surveys.callbacks import AskFeedbackCb
from handlers.texts import escaped, fit

BUTTON_MAX = 48  # longer labels are cut on a phone anyway
NOTE_SHOWN = 300  # a note in the history; the whole of it stays in the database


def short(text: str, limit: int = BUTTON_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def amount_text(t: Translator, amount: int | None, currency: str = "RUB") -> str:
    return format_amount(amount, currency, t.lang) if amount is not None else t("deal.no_amount")


def card_text(t: Translator, view: DealView, tz: ZoneInfo) -> str:
    deal, e = view.deal, html.escape
    ids = [s.id for s in view.pipeline.stages]
    stage_no: int | str = ids.index(view.stage.id) + 1 if view.stage.id in ids else "—"
    lines = [
        f"💼 <b>{e(deal.title)}</b>",
        t("card.amount", amount=amount_text(t, deal.amount, deal.currency)),
        t("card.pipeline", pipeline=e(view.pipeline.name)),
        t(
            "card.stage",
            stage=e(view.stage.name),
            no=stage_no,
            total=len(view.pipeline.stages),
            days=t.n("days", view.days_in_stage),
        ),
        t("card.owner", owner=e(view.owner_name)),
    ]
    if view.stalled:
        lines.append(t("card.stalled", limit=t.n("days", view.stage.stall_days)))
    if view.next_task is not None:
        due = view.next_task.due_at.astimezone(tz).strftime("%d.%m %H:%M")
        lines.append(t("card.next_task", text=e(view.next_task.text), due=due))
    elif view.needs_task:
        lines.append(t("card.no_task"))
    if deal.client is not None and deal.client.company != deal.title:
        lines.append(t("card.client", client=e(deal.client.company)))
    if deal.contact is not None:
        lines.append(t("card.contact", contact=e(deal.contact.label)))
    if deal.channel:
        lines.append(t("card.channel", channel=t(f"channel.{deal.channel.value}")))
    if deal.product:
        lines.append(t("card.product", product=e(deal.product)))
    if deal.region:
        lines.append(t("card.region", region=e(deal.region)))
    if deal.expected_close_at:
        lines.append(t("card.close_date", date=day_text(deal.expected_close_at, tz)))
    if deal.status is DealStatus.WON:
        lines.append(t("card.won"))
    elif deal.status is DealStatus.LOST:
        lines.append(t("card.lost", reason=e(deal.lost_reason or "—")))
    return "\n".join(lines)


def card_keyboard(t: Translator, view: DealView) -> InlineKeyboardMarkup:
    deal_id = view.deal.id
    rows: list[list[InlineKeyboardButton]] = []
    if view.deal.is_open:
        nxt = view.next_stage
        if nxt is not None:
            label = short(t("card.btn.next", stage=nxt.name))
            rows.append([_btn(label, CardAction.MOVE, deal_id, nxt.id)])
        rows.append(
            [
                _btn(t("card.btn.task"), CardAction.TASK, deal_id),
                _btn(t("card.btn.stages"), CardAction.STAGES, deal_id),
                _btn(t("card.btn.note"), CardAction.NOTE, deal_id),
            ]
        )
        rows.append(
            [
                attach_button(t, view),
                _btn(t("card.btn.won"), CardAction.WON, deal_id),
                _btn(t("card.btn.lost"), CardAction.LOST, deal_id),
            ]
        )
    else:
        rows.append(
            [
                _btn(t("card.btn.reopen"), CardAction.REOPEN, deal_id),
                _btn(t("card.btn.note"), CardAction.NOTE, deal_id),
            ]
        )
    if view.deal.client is not None:
        ask = AskFeedbackCb(deal_id=deal_id).pack()
        rows.append([InlineKeyboardButton(text=t("card.btn.feedback"), callback_data=ask)])
    rows.append(
        [
            *([edit_button(t, view)] if view.deal.is_open else []),
            _btn(t("card.btn.history"), CardAction.HISTORY, deal_id),
            InlineKeyboardButton(text=t("btn.back"), callback_data=DealsPageCb().pack()),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def card_screen(t: Translator, view: DealView, tz: ZoneInfo) -> Screen:
    """The deal card as a screen: its text and its buttons."""
    return card_text(t, view, tz), card_keyboard(t, view)


def _btn(text: str, action: CardAction, deal_id: int, arg: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=DealCb(action=action, deal_id=deal_id, arg=arg).pack()
    )


def next_stage_button(t: Translator, deal_id: int, version: int) -> dict[str, str]:
    """➡️ Next stage on a notification, as Telegram's JSON (notices go through the outbox)."""
    cb = NextStageCb(deal_id=deal_id, version=version)
    return {"text": t("notice.btn.next_stage"), "callback_data": cb.pack()}


def stages_keyboard(t: Translator, view: DealView) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    for stage in view.pipeline.stages:
        mark = "• " if stage.id == view.stage.id else ""
        label = short(f"{mark}{stage.name} · {stage.probability}%")
        rows.append([_btn(label, CardAction.MOVE, view.deal.id, stage.id)])
    rows.append([_btn(t("btn.back"), CardAction.OPEN, view.deal.id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def reasons_keyboard(t: Translator, view: DealView) -> InlineKeyboardMarkup:
    rows = [
        [_btn(short(reason.name), CardAction.REASON, view.deal.id, reason.id)]
        for reason in view.pipeline.lost_reasons
    ]
    rows.append([_btn(t("lost.btn.other"), CardAction.REASON_TEXT, view.deal.id)])
    rows.append([_btn(t("btn.back"), CardAction.OPEN, view.deal.id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def back_to_card(t: Translator, deal_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_btn(t("btn.back"), CardAction.OPEN, deal_id)]])


def history_text(
    t: Translator,
    view: DealView,
    events: list[DealEvent],
    names: dict[UserId, str],
    stages: dict[StageId, str],
    tz: ZoneInfo,
) -> str:
    lines = [t("history.title", title=html.escape(view.deal.title))]
    for ev in reversed(events):  # newest first: what does not fit is the oldest
        lines.append(
            t(
                "history.row",
                at=_when(ev.at, tz),
                who=html.escape(names.get(ev.actor_id, "—") if ev.actor_id else "—"),
                what=_what(t, ev, stages, tz),
            )
        )
    return fit(t, lines)


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%d.%m %H:%M")


def _what(t: Translator, ev: DealEvent, stages: dict[StageId, str], tz: ZoneInfo) -> str:
    def stage_name(stage_id: StageId | None) -> str:
        name = stages.get(stage_id) if stage_id is not None else None
        return html.escape(name) if name else "—"

    if ev.kind is EventKind.EDIT:
        return edit_history_text(t, ev, tz)
    if ev.kind in TASK_KINDS:
        return task_history_text(t, ev, tz)
    if ev.kind is EventKind.FILE:
        return file_history_text(t, ev, tz)
    if ev.kind is EventKind.NOTE and ev.origin_name is not None:
        return forwarded_text(t, ev, tz)
    if ev.kind is EventKind.HANDOFF:
        return t("history.handoff", outcome=t(f"history.handoff_{ev.text}"))
    if ev.kind is EventKind.STAGE:
        return t("history.stage", src=stage_name(ev.from_stage_id), dst=stage_name(ev.to_stage_id))
    if ev.kind in (EventKind.NOTE, EventKind.LOST):
        return t(
            f"history.{ev.kind.value}",
            text=escaped(ev.text or "", NOTE_SHOWN),
            stage=stage_name(ev.from_stage_id),
        )
    return t(f"history.{ev.kind.value}", stage=stage_name(ev.to_stage_id or ev.from_stage_id))


def list_text(
    t: Translator, page: DealPage, *, stalled: bool, title_key: str, show_owner: bool
) -> str:
    if not page.items:
        return t("deals.empty_stalled" if stalled else "deals.empty")
    lines = [t(title_key, count=page.total, page=page.page + 1, pages=page.pages)]
    group = None
    for i, item in enumerate(page.items, start=1 + page.page * PAGE_SIZE):
        key = (item.pipeline.id, item.stage.id)
        if key != group:
            group = key
            lines.append(
                f"\n<b>{html.escape(item.pipeline.name)} · {html.escape(item.stage.name)}</b>"
            )
        flag = {DealStatus.WON: " ✅", DealStatus.LOST: " ❌"}.get(item.deal.status, "")
        flag += " ⚠️" if item.stalled else ""
        lines.append(
            t(
                "deals.row",
                n=i,
                title=html.escape(item.deal.title),
                amount=amount_text(t, item.deal.amount, item.deal.currency),
                days=t.n("days", item.days_in_stage),
                flag=flag,
                owner=f" · {html.escape(item.owner_name)}" if show_owner else "",
            )
        )
    return "\n".join(lines)


def list_keyboard(
    t: Translator, page: DealPage, pipelines: list[Pipeline], *, pipeline_id: int, stalled: bool
) -> InlineKeyboardMarkup:
    rows = [
        [
            _btn(
                short(f"{item.deal.title} · {amount_text(t, item.deal.amount)}"),
                CardAction.OPEN,
                item.deal.id,
            )
        ]
        for item in page.items
    ]
    filters = [_page_btn(("✓ " if pipeline_id == 0 else "") + t("deals.all"), 0, stalled, 0)]
    filters += [
        _page_btn(("✓ " if p.id == pipeline_id else "") + short(p.name, 20), p.id, stalled, 0)
        for p in pipelines
    ]
    rows += rows_of(filters, 2)
    rows.append(
        [_page_btn(("✓ " if stalled else "") + t("deals.stalled"), pipeline_id, not stalled, 0)]
    )
    nav = []
    if page.page > 0:
        nav.append(_page_btn("◀️", pipeline_id, stalled, page.page - 1))
    if page.page + 1 < page.pages:
        nav.append(_page_btn("▶️", pipeline_id, stalled, page.page + 1))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _page_btn(text: str, pipeline_id: int, stalled: bool, page: int) -> InlineKeyboardButton:
    cb = DealsPageCb(pipeline_id=pipeline_id, stalled=stalled, page=page)
    return InlineKeyboardButton(text=text, callback_data=cb.pack())


def clients_keyboard(t: Translator, clients: list[Client], typed: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=short("👤 " + client.company),
            callback_data=NewDealCb(step=NewDealStep.CLIENT, value=client.id).pack(),
        )
        for client in clients
    ]
    buttons.append(
        InlineKeyboardButton(
            text=short(t("new.btn.new_client", name=typed)),
            callback_data=NewDealCb(step=NewDealStep.CLIENT, value=0).pack(),
        )
    )
    return InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


def found_keyboard(t: Translator, page: DealPage) -> InlineKeyboardMarkup:
    rows = [
        [
            _btn(
                short(f"{item.deal.title} · {amount_text(t, item.deal.amount)}"),
                CardAction.OPEN,
                item.deal.id,
            )
        ]
        for item in page.items
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)
