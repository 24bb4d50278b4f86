"""The morning stand-up in a team's group chat: which group, and whether it is on.

A group gets the stand-up only while a head or an admin of the company has it turned on
there, and nothing else the bot says; presses on its buttons are answered in private.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import DomainError
from bot.domain.ids import TelegramId, UserId


@dataclass(frozen=True, slots=True)
class StandupGroup:
    """A group chat the stand-up was turned on (or off) in; `title` as Telegram named it.
    The group gets the digest of the teams of the head who turned it on (`by`)."""

    chat_id: TelegramId
    title: str
    is_on: bool
    by: UserId | None = None


class StandupForHeadsError(DomainError):
    """Someone who is not a head or an admin of the company asked to switch the stand-up."""

    key = "standup.heads_only"


class StandupInGroupsError(DomainError):
    """The switch works in a group chat only: it names the group it is for."""

    key = "standup.groups_only"


class StandupMembersOnlyError(DomainError):
    """A press under the group's stand-up by someone who is not in the team."""

    key = "standup.members_only"
