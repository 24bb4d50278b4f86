"""Callback data of the editor: ids only, never names (64 bytes, Cyrillic takes two each)."""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData

from handlers.cbtypes import CbId


class PipeAction(enum.StrEnum):
    LIST = "ls"
    NEW = "nw"  # the template menu
    OPEN = "op"  # id: pipeline
    RENAME = "rn"
    ARCHIVE = "ar"  # asks first
    ARCHIVE_YES = "ay"
    MOVE_ALL = "am"  # pick a pipeline for the open deals
    MOVE_TO_PIPELINE = "at"  # arg: that pipeline; pick its stage
    MOVE_AND_ARCHIVE = "ax"  # arg: the stage
    ADD_STAGE = "sa"
    REASONS = "ro"
    ADD_REASON = "ra"


class StageAction(enum.StrEnum):
    OPEN = "so"  # id: stage
    RENAME = "sr"
    UP = "su"
    DOWN = "sd"
    PROBABILITY = "sp"
    STALL = "ss"
    OWNER = "sw"  # pick one
    OWNER_SET = "sn"  # arg: the user, 0 for nobody
    DELETE = "sx"  # asks first
    DELETE_YES = "sy"
    DELETE_MOVING = "sm"  # arg: the stage its deals go to


class ReasonAction(enum.StrEnum):
    OPEN = "oo"  # id: lost reason
    RENAME = "rw"
    ARCHIVE = "rz"


class PipeCb(CallbackData, prefix="pl"):
    action: PipeAction
    id: CbId = 0
    arg: CbId = 0


class StageCb(CallbackData, prefix="st"):
    action: StageAction
    id: CbId
    arg: CbId = 0


class ReasonCb(CallbackData, prefix="lr"):
    action: ReasonAction
    id: CbId


class NewPipeCb(CallbackData, prefix="np"):
    kind: str  # a template's kind or "empty"
