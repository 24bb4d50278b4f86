"""Typed ids, so a deal id is never passed where a stage id belongs."""

from typing import NewType

UserId = NewType("UserId", int)
TelegramId = NewType("TelegramId", int)
PipelineId = NewType("PipelineId", int)
StageId = NewType("StageId", int)
LostReasonId = NewType("LostReasonId", int)
ClientId = NewType("ClientId", int)
DealId = NewType("DealId", int)
TaskId = NewType("TaskId", int)
DepartmentId = NewType("DepartmentId", int)
