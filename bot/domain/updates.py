"""Telegram updates posted to the webhook, each handled once by one of several workers."""

from __future__ import annotations

from enum import Enum


class UpdateClaim(Enum):
    MINE = "mine"  # the claimant handles the update now
    DONE = "done"  # handled before: acknowledge it, do not handle it again
    BUSY = "busy"  # another claimant handles it now (its lease is live)
