"""What a Telegram message brings: a contact card, a forward's author and time, a file."""

from __future__ import annotations

from aiogram.types import (
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
)

from bot.domain.contacts import ContactInput, card_contact, refuse_own_card
from bot.domain.ids import TelegramId
from bot.domain.inbox import Attachment, FileKind, Forwarded


def shared_contact(message: Message) -> ContactInput:
    """The person of a shared contact card; the sender's own card is refused."""
    card = message.contact
    assert card is not None, "routed here by F.contact"
    who = card_contact(card.first_name, card.last_name, card.phone_number, card.user_id)
    if message.from_user is not None:
        refuse_own_card(who, TelegramId(message.from_user.id))
    return who


def forwarded(message: Message) -> Forwarded:
    """The forward's author as far as Telegram tells: an account (name, username, id), a
    hidden account (a name only), or a chat or channel (its title)."""
    origin = message.forward_origin
    assert origin is not None, "routed here by F.forward_origin"
    text = message.text or message.caption or ""
    if isinstance(origin, MessageOriginUser):
        user = origin.sender_user
        name = " ".join(p for p in (user.first_name, user.last_name or "") if p)
        who = ContactInput(name=name, username=user.username, tg_id=TelegramId(user.id))
        return Forwarded(who, origin.date, text)
    if isinstance(origin, MessageOriginHiddenUser):
        return Forwarded(ContactInput(name=origin.sender_user_name), origin.date, text, True)
    if isinstance(origin, MessageOriginChat):
        title = origin.sender_chat.title or origin.author_signature or ""
        return Forwarded(ContactInput(name=title), origin.date, text, True)
    assert isinstance(origin, MessageOriginChannel)
    title = origin.author_signature or origin.chat.title or ""
    return Forwarded(ContactInput(name=title), origin.date, text, True)


def attachment_of(message: Message) -> Attachment | None:
    """The file a message carries, by its Telegram id (the largest size of a photo)."""
    if message.voice is not None:
        v = message.voice
        return Attachment(FileKind.VOICE, v.file_id, v.file_size, v.duration)
    if message.photo:
        p = message.photo[-1]
        return Attachment(FileKind.PHOTO, p.file_id, p.file_size)
    if message.video is not None:
        m = message.video
        return Attachment(FileKind.VIDEO, m.file_id, m.file_size, m.duration, m.file_name)
    if message.video_note is not None:
        n = message.video_note
        return Attachment(FileKind.VIDEO_NOTE, n.file_id, n.file_size, n.duration)
    if message.audio is not None:
        a = message.audio
        return Attachment(FileKind.AUDIO, a.file_id, a.file_size, a.duration, a.file_name)
    if message.document is not None:
        d = message.document
        return Attachment(FileKind.DOCUMENT, d.file_id, d.file_size, name=d.file_name)
    return None
