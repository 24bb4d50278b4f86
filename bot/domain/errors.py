"""Errors a user can cause; each has a `key` the Telegram layer turns into polite text.

And one that is nobody's fault: the database was busy, and the whole unit of work may run again."""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Base of every error that is the user's to fix, never a crash."""

    key = "error.generic"
    # Parameters that are counts, with the plural text they are shown with ("101 символ").
    counted: ClassVar[dict[str, str]] = {}

    def __init__(self, **params: object) -> None:
        super().__init__(self.key, params)
        self.params = params


class AccessDeniedError(DomainError):
    key = "error.access_denied"


class NotRegisteredError(DomainError):
    key = "error.not_registered"


class DealNotFoundError(DomainError):
    key = "error.deal_not_found"


class DealClosedError(DomainError):
    key = "error.deal_closed"


class DealNotClosedError(DomainError):
    key = "error.deal_not_closed"


class StaleActionError(DomainError):
    """The button was pressed on an old card: the deal has changed since."""

    key = "error.stale_action"


class StageNotFoundError(DomainError):
    key = "error.stage_not_found"


class PipelineNotFoundError(DomainError):
    key = "error.pipeline_not_found"


class LostReasonNotFoundError(DomainError):
    key = "error.lost_reason_not_found"


class InviteInvalidError(DomainError):
    key = "error.invite_invalid"


class ClaimCodeInvalidError(DomainError):
    key = "error.claim_invalid"


class TextTooLongError(DomainError):
    key = "error.text_too_long"
    counted: ClassVar[dict[str, str]] = {"length": "chars", "limit": "chars"}


class EmptyTextError(DomainError):
    key = "error.text_empty"


class AlreadyMemberError(DomainError):
    key = "error.already_member"


class TaskNotFoundError(DomainError):
    key = "error.task_not_found"


class TaskDoneError(DomainError):
    key = "error.task_done"


class HandoffNotPendingError(DomainError):
    key = "error.handoff_not_pending"


class SurveyInvalidError(DomainError):
    """An unknown, expired or already used survey link."""

    key = "error.survey_invalid"


class SurveyAnsweredError(DomainError):
    key = "error.survey_answered"


class SurveyLinkSpentError(DomainError):
    """A used survey link opened by someone other than the client who answered it."""

    key = "error.survey_link_spent"


class SurveyForStaffError(DomainError):
    """A team member opened a client's survey link: it is meant to be forwarded."""

    key = "error.survey_for_staff"


class ScoreInvalidError(DomainError):
    key = "error.score_invalid"


class RecoveryRaceError(DomainError):
    """Two heads pressed "win the client back" at once: the other press made the task."""

    key = "error.recovery_race"


class StaleButtonError(DomainError):
    """A step's button pressed twice, or after the step was left."""

    key = "error.stale_button"


class SettingInvalidError(DomainError):
    """A value an admin typed for a company setting that does not fit; `setting` names it."""

    key = "error.setting_invalid"


class MemberInvalidError(DomainError):
    """No such team member, or not one this action can take (oneself, a client)."""

    key = "error.member_invalid"


class DepartmentNotFoundError(DomainError):
    """No such team, or not one the actor runs (a forged or outdated button)."""

    key = "error.department_not_found"


class DepartmentNameTakenError(DomainError):
    key = "error.department_name_taken"


class DepartmentNotEmptyError(DomainError):
    """Only a team without members is deleted: its people are moved out first."""

    key = "error.department_not_empty"


class PlanSellerError(DomainError):
    """A plan for someone who is not an active seller: unknown, switched off, a head."""

    key = "error.plan_seller"


class PlanMonthError(DomainError):
    """A plan for a month too far back or ahead (usually a forged or very old button)."""

    key = "error.plan_month"


class PlanValueError(DomainError):
    """Revenue or a count outside what a monthly plan can mean."""

    key = "error.plan_value"


class NameTakenError(DomainError):
    """A pipeline, stage or lost reason with this name (in any letter case) already exists."""

    key = "error.name_taken"


class ProbabilityInvalidError(DomainError):
    key = "error.probability_invalid"


class StallDaysInvalidError(DomainError):
    key = "error.stall_days_invalid"


class PipelineHasOpenDealsError(DomainError):
    """A pipeline is archived only once its open deals have gone elsewhere."""

    key = "error.pipeline_has_deals"
    counted: ClassVar[dict[str, str]] = {"count": "deals_count"}


class StageHasDealsError(DomainError):
    key = "error.stage_has_deals"
    counted: ClassVar[dict[str, str]] = {"count": "deals_count"}


class LastStageError(DomainError):
    """A pipeline keeps at least one stage, or no deal could enter it."""

    key = "error.last_stage"


class LastPipelineError(DomainError):
    """The company keeps at least one pipeline, or no deal could be created."""

    key = "error.last_pipeline"


class DatabaseBusyError(Exception):
    """The database's write lock stayed taken past its busy timeout (SQLite under load).

    Raised by a unit of work as it closes; it kept nothing, so the whole unit of work may
    simply run again (`bot.services.writes.write` does, and so does the update middleware)."""
