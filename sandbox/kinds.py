"""The kinds of message the chat page sends besides text, as Telegram would deliver them:
a shared contact card, a voice note (a short silent Ogg kept as a file), a forwarded message
(from an account, or from a hidden one: a name only)."""

from __future__ import annotations

from typing import Any

from sandbox.world import World

VOICE_BYTES = b"OggS" + bytes(60)  # not audio anyone plays: the bot keeps only its file id
KINDS = ("text", "contact", "voice", "forward")


class KindError(ValueError):
    """A page's message that Telegram could not have sent."""


def _text(body: dict[str, Any], name: str, limit: int = 4096) -> str:
    value = str(body.get(name) or "").strip()
    if not value or len(value) > limit:
        raise KindError(f"{name} is empty or too long")
    return value


def contact(body: dict[str, Any]) -> dict[str, Any]:
    """`{name, phone[, contact_id]}`: a contact card from the phone book (`contact_id`: the
    person's Telegram account, when they have one)."""
    first, _, last = _text(body, "name", 128).partition(" ")
    card: dict[str, Any] = {"phone_number": _text(body, "phone", 32), "first_name": first}
    if last:
        card["last_name"] = last
    if body.get("contact_id"):
        card["user_id"] = int(body["contact_id"])
    return {"contact": card}


def voice(world: World, body: dict[str, Any]) -> dict[str, Any]:
    """`{duration[, caption]}`: a voice note of that many seconds."""
    duration = int(body.get("duration", 5))
    if not 1 <= duration <= 3600:
        raise KindError("duration is out of range")
    file_id = world.store_file(VOICE_BYTES, "voice.ogg", "audio/ogg", duration)
    content: dict[str, Any] = {"voice": voice_of(world, file_id)}
    if body.get("caption"):
        content["caption"] = str(body["caption"])[:1024]
    return content


def voice_of(world: World, file_id: str) -> dict[str, Any]:
    stored = world.files[file_id]
    return {"file_id": file_id, "file_unique_id": file_id[::-1], "duration": stored.duration,
            "mime_type": stored.mime, "file_size": len(stored.data)}  # fmt: skip


def forward(body: dict[str, Any], now: int) -> dict[str, Any]:
    """`{text, from_name[, from_id, from_username, hidden, minutes_ago]}`: someone's message
    forwarded; a hidden account gives only its name, as Telegram's privacy setting does."""
    name = _text(body, "from_name", 64)
    date = now - 60 * int(body.get("minutes_ago") or 0)
    if body.get("hidden") or not body.get("from_id"):
        origin: dict[str, Any] = {"type": "hidden_user", "date": date, "sender_user_name": name}
    else:
        first, _, last = name.partition(" ")
        user: dict[str, Any] = {"id": int(body["from_id"]), "is_bot": False, "first_name": first}
        if last:
            user["last_name"] = last
        if body.get("from_username"):
            user["username"] = str(body["from_username"])
        origin = {"type": "user", "date": date, "sender_user": user}
    return {"text": _text(body, "text"), "forward_origin": origin, "forward_date": date}


def content_of(world: World, body: dict[str, Any], now: int) -> dict[str, Any]:
    """The message of the page's `kind` (text is sent the usual way)."""
    kind = body.get("kind")
    if kind == "contact":
        return contact(body)
    if kind == "voice":
        return voice(world, body)
    if kind == "forward":
        return forward(body, now)
    raise KindError(f"kind is one of {', '.join(KINDS)}")
