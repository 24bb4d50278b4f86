"""What a seller brings into a deal's history from Telegram: a client's forwarded message
and the files sent along (voice notes, photos, documents, videos).

A file is kept by its Telegram file id, never downloaded: the bot sends it again by that id,
which Telegram allows whatever the file's size (the 20 MB limit is on a bot *downloading*)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.domain.contacts import ContactInput
from bot.domain.errors import DomainError

FILE_ID_MAX = 255  # Telegram's file ids are about 80-130 characters
CAPTION_MAX = 1024  # Telegram's own caption limit
ORIGIN_NAME_MAX = 128


class FileKind(enum.StrEnum):
    """The kinds of file a deal's history keeps; the values are short, for callback data."""

    VOICE = "voice"
    PHOTO = "photo"
    DOCUMENT = "document"
    VIDEO = "video"
    AUDIO = "audio"
    VIDEO_NOTE = "round"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file kept in a deal's history by its Telegram id."""

    kind: FileKind
    file_id: str
    size: int | None = None  # bytes
    duration: int | None = None  # seconds, for a voice, a video, an audio
    name: str | None = None  # a document's file name


class FileInvalidError(DomainError):
    key = "inbox.file_invalid"


@dataclass(frozen=True, slots=True)
class Forwarded:
    """A message the seller forwarded: who wrote it and when, as Telegram told the bot.

    `who` has the author's name, and their account's id and username when the author allows
    forwards to link to them (a hidden account gives only a name)."""

    who: ContactInput
    at: datetime
    text: str
    hidden: bool = False


def checked(attachment: Attachment) -> Attachment:
    """An attachment whose file id could be Telegram's; a forged or empty one is refused."""
    file_id = attachment.file_id
    if not file_id or len(file_id) > FILE_ID_MAX or not file_id.isprintable() or " " in file_id:
        raise FileInvalidError()
    return attachment


def size_text_mb(size: int) -> str:
    """`30.0` for about 30 MB: files are shown by the megabyte, tenths under ten."""
    mb = size / (1024 * 1024)
    return f"{mb:.1f}" if mb < 10 else f"{mb:.0f}"
