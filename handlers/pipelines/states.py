"""The one typed step of the editor: which field the text goes to is kept in the data."""

from __future__ import annotations

import enum

from aiogram.fsm.state import State, StatesGroup


class PipelineEdit(StatesGroup):
    text = State()


class Field(enum.StrEnum):
    """What the typed text becomes; the id it applies to rides along in the state data."""

    PIPELINE_NAME = "pipeline_name"  # a new empty pipeline
    PIPELINE_RENAME = "pipeline_rename"
    STAGE_ADD = "stage_add"
    STAGE_RENAME = "stage_rename"
    PROBABILITY = "probability"
    STALL = "stall"
    REASON_ADD = "reason_add"
    REASON_RENAME = "reason_rename"
