"""Texts and keyboards of the pipeline editor, built from service results."""

from __future__ import annotations

import html

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.models import LostReason, Pipeline, Stage, User
from bot.domain.templates import TEMPLATES
from bot.i18n import Translator
from bot.services.pipelines import EMPTY, PipelineView
from handlers.deals.views import short
from handlers.pipelines.callbacks import (
    NewPipeCb,
    PipeAction,
    PipeCb,
    ReasonAction,
    ReasonCb,
    StageAction,
    StageCb,
)
from handlers.texts import fit

Screen = tuple[str, InlineKeyboardMarkup]
MAX_BUTTONS = 60  # Telegram takes at most 100 buttons a message


def _back(kb: InlineKeyboardBuilder, t: Translator, cb: PipeCb) -> None:
    kb.button(text=t("btn.back"), callback_data=cb)


def pipelines_screen(t: Translator, pipelines: list[Pipeline]) -> Screen:
    lines = [t("pipes.title")]
    kb = InlineKeyboardBuilder()
    for p in pipelines[:MAX_BUTTONS]:
        lines.append(
            t(
                "pipes.row",
                name=html.escape(p.name),
                stages=t.n("pipes.stages_count", len(p.stages)),
            )
        )
        kb.button(text=short(p.name), callback_data=PipeCb(action=PipeAction.OPEN, id=p.id))
    kb.button(text=t("pipes.btn.new"), callback_data=PipeCb(action=PipeAction.NEW))
    kb.adjust(1)
    return fit(t, lines), kb.as_markup()


def templates_screen(t: Translator) -> Screen:
    kb = InlineKeyboardBuilder()
    for template in TEMPLATES:
        kb.button(text=template.name[t.lang], callback_data=NewPipeCb(kind=template.kind))
    kb.button(text=t("pipes.tpl.empty"), callback_data=NewPipeCb(kind=EMPTY))
    _back(kb, t, PipeCb(action=PipeAction.LIST))
    kb.adjust(1)
    return t("pipes.new.title"), kb.as_markup()


def stage_line(t: Translator, view: PipelineView, no: int, stage: Stage) -> str:
    owner = view.owners.get(stage.owner_id) if stage.owner_id else None
    return t(
        "pipes.view.stage",
        no=no,
        name=html.escape(stage.name),
        probability=stage.probability,
        stall=t.n("days", stage.stall_days),
        owner=t("pipes.view.owner", name=html.escape(owner)) if owner else "",
    )


def pipeline_screen(t: Translator, view: PipelineView) -> Screen:
    p = view.pipeline
    lines = [t("pipes.view.title", name=html.escape(p.name))]
    kb = InlineKeyboardBuilder()
    for no, stage in enumerate(p.stages[:MAX_BUTTONS], start=1):
        lines.append(stage_line(t, view, no, stage))
        cb = StageCb(action=StageAction.OPEN, id=stage.id)
        kb.button(text=short(f"{no}. {stage.name}"), callback_data=cb)
    lines += [t("pipes.view.reasons", count=len(p.lost_reasons)), t("pipes.view.hint")]
    for key, action in (
        ("pipes.btn.add_stage", PipeAction.ADD_STAGE),
        ("pipes.btn.rename", PipeAction.RENAME),
        ("pipes.btn.reasons", PipeAction.REASONS),
        ("pipes.btn.archive", PipeAction.ARCHIVE),
    ):
        kb.button(text=t(key), callback_data=PipeCb(action=action, id=p.id))
    _back(kb, t, PipeCb(action=PipeAction.LIST))
    kb.adjust(*([1] * min(len(p.stages), MAX_BUTTONS)), 2, 2, 1)
    return fit(t, lines), kb.as_markup()


def stage_screen(t: Translator, view: PipelineView, stage: Stage) -> Screen:
    owner = view.owners.get(stage.owner_id) if stage.owner_id else None
    text = t(
        "pipes.stage.title",
        name=html.escape(stage.name),
        pipeline=html.escape(view.pipeline.name),
        probability=stage.probability,
        stall=t.n("days", stage.stall_days),
        owner=html.escape(owner) if owner else t("pipes.stage.no_owner"),
    )
    kb = InlineKeyboardBuilder()
    for key, action in (
        ("pipes.btn.stage_rename", StageAction.RENAME),
        ("pipes.btn.up", StageAction.UP),
        ("pipes.btn.down", StageAction.DOWN),
        ("pipes.btn.probability", StageAction.PROBABILITY),
        ("pipes.btn.stall", StageAction.STALL),
        ("pipes.btn.owner", StageAction.OWNER),
        ("pipes.btn.delete", StageAction.DELETE),
    ):
        kb.button(text=t(key), callback_data=StageCb(action=action, id=stage.id))
    _back(kb, t, PipeCb(action=PipeAction.OPEN, id=view.pipeline.id))
    kb.adjust(1, 2, 2, 1, 1, 1)
    return text, kb.as_markup()


def owners_screen(t: Translator, stage: Stage, people: list[User]) -> Screen:
    kb = InlineKeyboardBuilder()
    for person in people[:MAX_BUTTONS]:
        cb = StageCb(action=StageAction.OWNER_SET, id=stage.id, arg=person.id)
        kb.button(text=short(person.name), callback_data=cb)
    none = StageCb(action=StageAction.OWNER_SET, id=stage.id, arg=0)
    kb.button(text=t("pipes.btn.no_owner"), callback_data=none)
    kb.button(text=t("btn.back"), callback_data=StageCb(action=StageAction.OPEN, id=stage.id))
    kb.adjust(1)
    return t("pipes.pick_owner", name=html.escape(stage.name)), kb.as_markup()


def confirm_screen(
    t: Translator, text: str, yes_label: str, yes: CallbackData, back: CallbackData
) -> Screen:
    kb = InlineKeyboardBuilder()
    kb.button(text=yes_label, callback_data=yes)
    kb.button(text=t("btn.back"), callback_data=back)
    kb.adjust(1)
    return text, kb.as_markup()


def move_stages_screen(t: Translator, stage: Stage, pipeline: Pipeline, count: int) -> Screen:
    """Where the open deals of a stage being deleted go: another stage of its pipeline."""
    kb = InlineKeyboardBuilder()
    for other in pipeline.stages[:MAX_BUTTONS]:
        if other.id != stage.id:
            cb = StageCb(action=StageAction.DELETE_MOVING, id=stage.id, arg=other.id)
            kb.button(text=short("➜ " + other.name), callback_data=cb)
    kb.button(text=t("btn.back"), callback_data=StageCb(action=StageAction.OPEN, id=stage.id))
    kb.adjust(1)
    text = t(
        "pipes.delete.has_deals", name=html.escape(stage.name), count=t.n("deals_count", count)
    )
    return text, kb.as_markup()


def target_pipelines_screen(t: Translator, pipeline: Pipeline, others: list[Pipeline]) -> Screen:
    kb = InlineKeyboardBuilder()
    for other in others[:MAX_BUTTONS]:
        cb = PipeCb(action=PipeAction.MOVE_TO_PIPELINE, id=pipeline.id, arg=other.id)
        kb.button(text=short("➜ " + other.name), callback_data=cb)
    _back(kb, t, PipeCb(action=PipeAction.OPEN, id=pipeline.id))
    kb.adjust(1)
    return t("pipes.archive.pick_pipeline", name=html.escape(pipeline.name)), kb.as_markup()


def target_stages_screen(t: Translator, pipeline_id: int, target: Pipeline) -> Screen:
    kb = InlineKeyboardBuilder()
    for stage in target.stages[:MAX_BUTTONS]:
        cb = PipeCb(action=PipeAction.MOVE_AND_ARCHIVE, id=pipeline_id, arg=stage.id)
        kb.button(text=short("➜ " + stage.name), callback_data=cb)
    _back(kb, t, PipeCb(action=PipeAction.MOVE_ALL, id=pipeline_id))
    kb.adjust(1)
    return t("pipes.archive.pick_stage", name=html.escape(target.name)), kb.as_markup()


def has_deals_screen(t: Translator, pipeline: Pipeline, count: int) -> Screen:
    kb = InlineKeyboardBuilder()
    move = PipeCb(action=PipeAction.MOVE_ALL, id=pipeline.id)
    kb.button(text=t("pipes.btn.move_all"), callback_data=move)
    _back(kb, t, PipeCb(action=PipeAction.OPEN, id=pipeline.id))
    kb.adjust(1)
    text = t(
        "pipes.archive.has_deals",
        name=html.escape(pipeline.name),
        count=t.n("deals_count", count),
    )
    return text, kb.as_markup()


def reasons_screen(t: Translator, pipeline: Pipeline) -> Screen:
    lines = [t("pipes.reasons.title", name=html.escape(pipeline.name))]
    lines += [f"• {html.escape(r.name)}" for r in pipeline.lost_reasons] or [
        t("pipes.reasons.empty")
    ]
    kb = InlineKeyboardBuilder()
    for reason in pipeline.lost_reasons[:MAX_BUTTONS]:
        cb = ReasonCb(action=ReasonAction.OPEN, id=reason.id)
        kb.button(text=short(reason.name), callback_data=cb)
    kb.button(
        text=t("pipes.btn.add_reason"),
        callback_data=PipeCb(action=PipeAction.ADD_REASON, id=pipeline.id),
    )
    _back(kb, t, PipeCb(action=PipeAction.OPEN, id=pipeline.id))
    kb.adjust(1)
    return fit(t, lines), kb.as_markup()


def reason_screen(t: Translator, reason: LostReason) -> Screen:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("pipes.btn.rename"),
        callback_data=ReasonCb(action=ReasonAction.RENAME, id=reason.id),
    )
    kb.button(
        text=t("pipes.btn.reason_archive"),
        callback_data=ReasonCb(action=ReasonAction.ARCHIVE, id=reason.id),
    )
    _back(kb, t, PipeCb(action=PipeAction.REASONS, id=reason.pipeline_id))
    kb.adjust(1)
    return t("pipes.reason.title", name=html.escape(reason.name)), kb.as_markup()
