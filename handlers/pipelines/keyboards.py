"""Texts and keyboards of the pipeline editor, built from service results."""

from __future__ import annotations

import html

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.models import LostReason, Pipeline, Stage, User
from bot.domain.templates import TEMPLATES
from bot.i18n import Translator
from bot.services.pipelines import EMPTY, PipelineView
from handlers.deals.views import short
from handlers.keyboards import rows_of
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


def _back(t: Translator, cb: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=t("btn.back"), callback_data=cb.pack())


def pipelines_screen(t: Translator, pipelines: list[Pipeline]) -> Screen:
    lines = [t("pipes.title")]
    buttons = []
    for p in pipelines[:MAX_BUTTONS]:
        lines.append(
            t(
                "pipes.row",
                name=html.escape(p.name),
                stages=t.n("pipes.stages_count", len(p.stages)),
            )
        )
        buttons.append(
            InlineKeyboardButton(
                text=short(p.name), callback_data=PipeCb(action=PipeAction.OPEN, id=p.id).pack()
            )
        )
    buttons.append(
        InlineKeyboardButton(
            text=t("pipes.btn.new"), callback_data=PipeCb(action=PipeAction.NEW).pack()
        )
    )
    return fit(t, lines), InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


def templates_screen(t: Translator) -> Screen:
    buttons = [
        InlineKeyboardButton(text=tpl.name[t.lang], callback_data=NewPipeCb(kind=tpl.kind).pack())
        for tpl in TEMPLATES
    ]
    buttons.append(
        InlineKeyboardButton(text=t("pipes.tpl.empty"), callback_data=NewPipeCb(kind=EMPTY).pack())
    )
    buttons.append(_back(t, PipeCb(action=PipeAction.LIST)))
    return t("pipes.new.title"), InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


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
    stages = []
    for no, stage in enumerate(p.stages[:MAX_BUTTONS], start=1):
        lines.append(stage_line(t, view, no, stage))
        stages.append(
            InlineKeyboardButton(
                text=short(f"{no}. {stage.name}"),
                callback_data=StageCb(action=StageAction.OPEN, id=stage.id).pack(),
            )
        )
    lines += [t("pipes.view.reasons", count=len(p.lost_reasons)), t("pipes.view.hint")]
    actions = [
        InlineKeyboardButton(text=t(key), callback_data=PipeCb(action=action, id=p.id).pack())
        for key, action in (
            ("pipes.btn.add_stage", PipeAction.ADD_STAGE),
            ("pipes.btn.rename", PipeAction.RENAME),
            ("pipes.btn.reasons", PipeAction.REASONS),
            ("pipes.btn.archive", PipeAction.ARCHIVE),
        )
    ]
    rows = [*rows_of(stages, 1), *rows_of(actions, 2), [_back(t, PipeCb(action=PipeAction.LIST))]]
    return fit(t, lines), InlineKeyboardMarkup(inline_keyboard=rows)


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

    def button(key: str, action: StageAction) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=t(key), callback_data=StageCb(action=action, id=stage.id).pack()
        )

    rows = [
        [button("pipes.btn.stage_rename", StageAction.RENAME)],
        [button("pipes.btn.up", StageAction.UP), button("pipes.btn.down", StageAction.DOWN)],
        [
            button("pipes.btn.probability", StageAction.PROBABILITY),
            button("pipes.btn.stall", StageAction.STALL),
        ],
        [button("pipes.btn.owner", StageAction.OWNER)],
        [button("pipes.btn.delete", StageAction.DELETE)],
        [_back(t, PipeCb(action=PipeAction.OPEN, id=view.pipeline.id))],
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def owners_screen(t: Translator, stage: Stage, people: list[User]) -> Screen:
    buttons = [
        InlineKeyboardButton(
            text=short(person.name),
            callback_data=StageCb(action=StageAction.OWNER_SET, id=stage.id, arg=person.id).pack(),
        )
        for person in people[:MAX_BUTTONS]
    ]
    none = StageCb(action=StageAction.OWNER_SET, id=stage.id, arg=0)
    buttons.append(InlineKeyboardButton(text=t("pipes.btn.no_owner"), callback_data=none.pack()))
    buttons.append(_back(t, StageCb(action=StageAction.OPEN, id=stage.id)))
    markup = InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))
    return t("pipes.pick_owner", name=html.escape(stage.name)), markup


def confirm_screen(
    t: Translator, text: str, yes_label: str, yes: CallbackData, back: CallbackData
) -> Screen:
    buttons = [InlineKeyboardButton(text=yes_label, callback_data=yes.pack()), _back(t, back)]
    return text, InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


def move_stages_screen(t: Translator, stage: Stage, pipeline: Pipeline, count: int) -> Screen:
    """Where the open deals of a stage being deleted go: another stage of its pipeline."""
    buttons = []
    for other in pipeline.stages[:MAX_BUTTONS]:
        if other.id != stage.id:
            cb = StageCb(action=StageAction.DELETE_MOVING, id=stage.id, arg=other.id)
            buttons.append(
                InlineKeyboardButton(text=short("➜ " + other.name), callback_data=cb.pack())
            )
    buttons.append(_back(t, StageCb(action=StageAction.OPEN, id=stage.id)))
    text = t(
        "pipes.delete.has_deals", name=html.escape(stage.name), count=t.n("deals_count", count)
    )
    return text, InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


def target_pipelines_screen(t: Translator, pipeline: Pipeline, others: list[Pipeline]) -> Screen:
    buttons = [
        InlineKeyboardButton(
            text=short("➜ " + other.name),
            callback_data=PipeCb(
                action=PipeAction.MOVE_TO_PIPELINE, id=pipeline.id, arg=other.id
            ).pack(),
        )
        for other in others[:MAX_BUTTONS]
    ]
    buttons.append(_back(t, PipeCb(action=PipeAction.OPEN, id=pipeline.id)))
    markup = InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))
    return t("pipes.archive.pick_pipeline", name=html.escape(pipeline.name)), markup


def target_stages_screen(t: Translator, pipeline_id: int, target: Pipeline) -> Screen:
    buttons = [
        InlineKeyboardButton(
            text=short("➜ " + stage.name),
            callback_data=PipeCb(
                action=PipeAction.MOVE_AND_ARCHIVE, id=pipeline_id, arg=stage.id
            ).pack(),
        )
        for stage in target.stages[:MAX_BUTTONS]
    ]
    buttons.append(_back(t, PipeCb(action=PipeAction.MOVE_ALL, id=pipeline_id)))
    markup = InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))
    return t("pipes.archive.pick_stage", name=html.escape(target.name)), markup


def has_deals_screen(t: Translator, pipeline: Pipeline, count: int) -> Screen:
    move = PipeCb(action=PipeAction.MOVE_ALL, id=pipeline.id)
    buttons = [
        InlineKeyboardButton(text=t("pipes.btn.move_all"), callback_data=move.pack()),
        _back(t, PipeCb(action=PipeAction.OPEN, id=pipeline.id)),
    ]
    text = t(
        "pipes.archive.has_deals",
        name=html.escape(pipeline.name),
        count=t.n("deals_count", count),
    )
    return text, InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


def reasons_screen(t: Translator, pipeline: Pipeline) -> Screen:
    lines = [t("pipes.reasons.title", name=html.escape(pipeline.name))]
    lines += [f"• {html.escape(r.name)}" for r in pipeline.lost_reasons] or [
        t("pipes.reasons.empty")
    ]
    buttons = [
        InlineKeyboardButton(
            text=short(reason.name),
            callback_data=ReasonCb(action=ReasonAction.OPEN, id=reason.id).pack(),
        )
        for reason in pipeline.lost_reasons[:MAX_BUTTONS]
    ]
    buttons.append(
        InlineKeyboardButton(
            text=t("pipes.btn.add_reason"),
            callback_data=PipeCb(action=PipeAction.ADD_REASON, id=pipeline.id).pack(),
        )
    )
    buttons.append(_back(t, PipeCb(action=PipeAction.OPEN, id=pipeline.id)))
    return fit(t, lines), InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


def reason_screen(t: Translator, reason: LostReason) -> Screen:
    buttons = [
        InlineKeyboardButton(
            text=t("pipes.btn.rename"),
            callback_data=ReasonCb(action=ReasonAction.RENAME, id=reason.id).pack(),
        ),
        InlineKeyboardButton(
            text=t("pipes.btn.reason_archive"),
            callback_data=ReasonCb(action=ReasonAction.ARCHIVE, id=reason.id).pack(),
        ),
        _back(t, PipeCb(action=PipeAction.REASONS, id=reason.pipeline_id)),
    ]
    markup = InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))
    return t("pipes.reason.title", name=html.escape(reason.name)), markup
