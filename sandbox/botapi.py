"""The Bot API subset the bot uses, answered the way Telegram answers it."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.entities import MAX_ALERT, BadRequest, check_markup, check_text
from sandbox.world import Delivery, World

log = logging.getLogger(__name__)
Params = dict[str, Any]
Method = Callable[[World, Params], Awaitable[Any]]
SENDING = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "editMessageText",
     "editMessageReplyMarkup", "editMessageCaption", "editMessageMedia"}
)  # fmt: skip
# The calls that post a new message: what Telegram's flood limits count and tests read.
POSTING = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup"})
HANG_POLL = 0.02  # seconds between looks at whether a hang was lifted
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


def _json_field(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            raise BadRequest("can't parse JSON object") from None
    return value


async def read_params(request: web.Request, world: World) -> Params:
    """JSON, urlencoded or multipart bodies alike; uploaded files go to the world's store."""
    params: Params = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
        return params
    if request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                params[key] = world.store_file(data, value.filename, value.content_type)
            else:
                params[key] = _json_field(value)
    for key, value in params.items():
        # aiogram names an upload "attach://<part>" and sends the file as that part.
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = params.get(value.removeprefix("attach://"), value)
    return params


def _int(params: Params, name: str) -> int:
    try:
        return int(params[name])
    except KeyError:
        raise BadRequest(f"{name} is empty") from None
    except (TypeError, ValueError):
        raise BadRequest(f"invalid {name} specified") from None


def _chat(world: World, params: Params) -> int:
    chat_id = _int(params, "chat_id")
    if chat_id not in world.users:
        raise BadRequest("chat not found")
    if chat_id in world.faults.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    return chat_id


def _file(world: World, file_id: str, *, photo: bool) -> Any:
    stored = world.files.get(file_id)
    if stored is None:
        raise BadRequest("wrong file identifier/HTTP URL specified")
    size, unique = len(stored.data), file_id[::-1]
    if photo:
        return [{"file_id": file_id, "file_unique_id": unique, "width": 1280, "height": 720,
                 "file_size": size}]  # fmt: skip
    return {"file_id": file_id, "file_unique_id": unique, "file_name": stored.name,
            "mime_type": stored.mime, "file_size": size}  # fmt: skip


async def get_me(world: World, params: Params) -> Any:
    return {**world.bot_user(), "can_join_groups": False, "can_read_all_group_messages": False,
            "supports_inline_queries": False}  # fmt: skip


async def say_true(world: World, params: Params) -> Any:
    return True


def _flag(params: Params, name: str) -> bool:
    return params.get(name) in (True, "true", "True", "1")


async def set_webhook(world: World, params: Params) -> Any:
    """Telegram's checks: an https URL and a secret of its alphabet; an empty URL removes it."""
    url = str(params.get("url") or "")
    if not url:
        return await delete_webhook(world, params)
    if not url.startswith("https://"):
        raise BadRequest("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not SECRET_TOKEN.fullmatch(str(secret)):
        raise BadRequest("bad webhook: secret token contains unallowed characters")
    allowed = params.get("allowed_updates")
    world.webhook = {"url": url, "secret_token": secret, "allowed_updates": allowed}
    if _flag(params, "drop_pending_updates"):
        world.updates.clear()
    return True


async def delete_webhook(world: World, params: Params) -> Any:
    world.webhook = None
    if _flag(params, "drop_pending_updates"):
        world.updates.clear()
    return True


async def get_webhook_info(world: World, params: Params) -> Any:
    hook = world.webhook or {}
    info = {"url": hook.get("url", ""), "has_custom_certificate": False,
            "pending_update_count": len(world.updates)}  # fmt: skip
    if hook.get("allowed_updates") is not None:
        info["allowed_updates"] = hook["allowed_updates"]
    return info


async def set_my_commands(world: World, params: Params) -> Any:
    scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
    world.commands[f"{scope}|{params.get('language_code') or ''}"] = params.get("commands") or []
    return True


async def delete_my_commands(world: World, params: Params) -> Any:
    scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
    world.commands.pop(f"{scope}|{params.get('language_code') or ''}", None)
    return True


async def send_message(world: World, params: Params) -> Any:
    chat_id = _chat(world, params)
    mode = params.get("parse_mode")
    plain = check_text(params.get("text"), mode)
    markup = check_markup(params.get("reply_markup"))
    message = await world.bot_sends(
        chat_id, text=plain, raw=params["text"], parse_mode=mode, reply_markup=markup
    )
    return world.public(message)


async def _send_media(world: World, params: Params, kind: str) -> Any:
    chat_id = _chat(world, params)
    mode = params.get("parse_mode")
    caption = check_text(params.get("caption"), mode, caption=True)
    markup = check_markup(params.get("reply_markup"))
    file_id = params.get(kind)
    if not file_id:
        raise BadRequest(f"there is no {kind} in the request")
    media = _file(world, str(file_id), photo=kind == "photo")
    if kind in TIMED:  # a voice note or a video the bot keeps by id, sent back as it came
        media = {**media, "duration": world.files[str(file_id)].duration or 1}
        if kind == "voice":
            media.pop("file_name", None)
        if kind == "video":
            media |= {"width": 640, "height": 360}
    extra = {"caption": caption, "raw": params.get("caption"), "parse_mode": mode}
    message = await world.bot_sends(
        chat_id, **{kind: media}, **(extra if caption else {}), reply_markup=markup
    )
    return world.public(message)


async def send_photo(world: World, params: Params) -> Any:
    return await _send_media(world, params, "photo")


async def send_document(world: World, params: Params) -> Any:
    return await _send_media(world, params, "document")


TIMED = ("voice", "video", "audio")


async def send_voice(world: World, params: Params) -> Any:
    return await _send_media(world, params, "voice")


async def send_video(world: World, params: Params) -> Any:
    return await _send_media(world, params, "video")


async def send_audio(world: World, params: Params) -> Any:
    return await _send_media(world, params, "audio")


async def send_media_group(world: World, params: Params) -> Any:
    """2 to 10 photos or documents, each its own message with the same media_group_id."""
    chat_id = _chat(world, params)
    items = params.get("media")
    if not isinstance(items, list) or not 2 <= len(items) <= 10:
        raise BadRequest("wrong number of media in the group: 2 to 10 are allowed")
    kinds = {item.get("type") if isinstance(item, dict) else None for item in items}
    if not kinds <= {"photo", "document"} or len(kinds) != 1:
        raise BadRequest("media group must be all photos or all documents")
    group, media = secrets.token_hex(8), []
    for item in items:
        ref = str(item.get("media") or "")
        file_id = (
            params.get(ref.removeprefix("attach://"), ref) if ref.startswith("attach://") else ref
        )
        kind = str(item["type"])
        caption = check_text(item.get("caption"), item.get("parse_mode"), caption=True)
        extra = {
            "caption": caption,
            "raw": item.get("caption"),
            "parse_mode": item.get("parse_mode"),
        }
        media.append(
            (kind, _file(world, str(file_id), photo=kind == "photo"), extra if caption else {})
        )
    sent = []
    for kind, stored, extra in media:  # checked all first: nothing is half-sent
        message = await world.bot_sends(chat_id, **{kind: stored}, **extra, media_group_id=group)
        sent.append(world.public(message))
    return sent


def _target(world: World, params: Params, verb: str) -> dict[str, Any]:
    chat_id = _chat(world, params)
    message = world.find(chat_id, _int(params, "message_id"))
    if message is None or not message["out"]:
        raise BadRequest(f"message to {verb} not found")
    return message


async def edit_message_text(world: World, params: Params) -> Any:
    message = _target(world, params, "edit")
    if "text" not in message:
        raise BadRequest("there is no text in the message to edit")
    mode = params.get("parse_mode")
    plain = check_text(params.get("text"), mode)
    markup = check_markup(params.get("reply_markup"))
    if plain == message["text"] and markup == message.get("reply_markup"):
        raise BadRequest(NOT_MODIFIED)
    message.update(text=plain, raw=params["text"], parse_mode=mode, edited=True)
    message.pop("reply_markup", None)
    if markup:
        message["reply_markup"] = markup
    message["edit_date"] = int(world.clock())
    await world.touch()
    return world.public(message)


async def edit_message_reply_markup(world: World, params: Params) -> Any:
    message = _target(world, params, "edit")
    markup = check_markup(params.get("reply_markup"))
    if markup == message.get("reply_markup") or (not markup and "reply_markup" not in message):
        raise BadRequest(NOT_MODIFIED)
    message.pop("reply_markup", None)
    if markup:
        message["reply_markup"] = markup
    message["edit_date"] = int(world.clock())
    await world.touch()
    return world.public(message)


def _recaption(message: dict[str, Any], caption: str, raw: Any, mode: Any) -> None:
    for key in ("caption", "raw", "parse_mode"):
        message.pop(key, None)
    if caption:
        message.update(caption=caption, raw=raw, parse_mode=mode)


def _remarkup(world: World, message: dict[str, Any], markup: Any) -> None:
    message.pop("reply_markup", None)
    if markup:
        message["reply_markup"] = markup
    message.update(edited=True, edit_date=int(world.clock()))


async def edit_message_caption(world: World, params: Params) -> Any:
    message = _target(world, params, "edit")
    if "photo" not in message and "document" not in message:
        raise BadRequest("there is no caption in the message to edit")
    mode = params.get("parse_mode")
    caption = check_text(params.get("caption"), mode, caption=True)
    markup = check_markup(params.get("reply_markup"))
    if caption == message.get("caption", "") and markup == message.get("reply_markup"):
        raise BadRequest(NOT_MODIFIED)
    _recaption(message, caption, params.get("caption"), mode)
    _remarkup(world, message, markup)
    await world.touch()
    return world.public(message)


async def edit_message_media(world: World, params: Params) -> Any:
    """A photo (or document) message gets a new file and caption; a text one cannot."""
    message = _target(world, params, "edit")
    item = params.get("media")
    kind = item.get("type") if isinstance(item, dict) else None
    if kind not in ("photo", "document"):
        raise BadRequest("can't parse InputMedia")
    if "photo" not in message and "document" not in message:
        raise BadRequest("there is no media in the message to edit")
    assert isinstance(item, dict)
    ref = str(item.get("media") or "")
    file_id = params.get(ref.removeprefix("attach://"), ref) if ref.startswith("attach://") else ref
    mode = item.get("parse_mode")
    caption = check_text(item.get("caption"), mode, caption=True)
    markup = check_markup(params.get("reply_markup"))
    stored = _file(world, str(file_id), photo=kind == "photo")
    message.pop("photo", None)
    message.pop("document", None)
    message[str(kind)] = stored
    _recaption(message, caption, item.get("caption"), mode)
    _remarkup(world, message, markup)
    await world.touch()
    return world.public(message)


async def delete_message(world: World, params: Params) -> Any:
    message = _target(world, params, "delete")
    message["deleted"] = True
    await world.touch()
    return True


async def answer_callback_query(world: World, params: Params) -> Any:
    query_id = str(params.get("callback_query_id"))
    user_id = world.queries.pop(query_id, None)
    world.answers.append((time.monotonic(), query_id, user_id is not None))
    if user_id is None:
        raise BadRequest("query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if text and len(str(text)) > MAX_ALERT:
        raise BadRequest("MESSAGE_TOO_LONG")
    if text:
        alert = {"text": str(text), "show_alert": params.get("show_alert") in (True, "true")}
        world.alerts.setdefault(user_id, []).append(alert)
        await world.touch()
    return True


async def send_chat_action(world: World, params: Params) -> Any:
    _chat(world, params)
    return True


async def get_file(world: World, params: Params) -> Any:
    file_id = str(params.get("file_id"))
    info = _file(world, file_id, photo=False)
    return {"file_id": file_id, "file_unique_id": info["file_unique_id"],
            "file_size": info["file_size"], "file_path": f"files/{file_id}"}  # fmt: skip


METHODS: dict[str, Method] = {
    "getMe": get_me,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "close": say_true,
    "setMyCommands": set_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": say_true,
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "sendVoice": send_voice,
    "sendVideo": send_video,
    "sendAudio": send_audio,
    "sendMediaGroup": send_media_group,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "editMessageCaption": edit_message_caption,
    "editMessageMedia": edit_message_media,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "sendChatAction": send_chat_action,
    "getFile": get_file,
}


def answer(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def refuse(code: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)


async def long_poll(request: web.Request, world: World, params: Params) -> web.StreamResponse:
    """getUpdates: answer at once when updates wait, else hold the request up to `timeout`."""
    world.polling = True
    offset = int(params["offset"]) if params.get("offset") not in (None, "") else None
    limit = min(int(params.get("limit") or 100), 100)
    deadline = asyncio.get_running_loop().time() + min(float(params.get("timeout") or 0), 50)
    while True:
        updates = world.pending(offset, limit)
        left = deadline - asyncio.get_running_loop().time()
        if updates or left <= 0:
            break
        await world.wait_change(world.version, left)
    world.polls += 1
    if world.faults.drop_polls > 0:
        world.faults.drop_polls -= 1
        log.info("dropping a getUpdates connection with %d updates", len(updates))
        assert request.transport is not None
        request.transport.close()  # the answer below goes nowhere: the client sees a disconnect
        return web.Response(status=204)
    return answer(updates)


def too_many(seconds: int) -> web.Response:
    return refuse(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)


def drop(request: web.Request) -> web.Response:
    """Lose the connection without an answer: the client sees a network error."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=204)  # written nowhere


async def unreachable(request: web.Request, world: World) -> web.Response:
    """Telegram out of reach: refused at once, or held while the hang lasts, then dropped
    unanswered (it was never processed). A client's own timeout usually ends it first."""
    # A plain flag a test may flip directly on `world.faults`, so it is looked at, not awaited.
    while world.faults.hang and not world.faults.refuse:  # noqa: ASYNC110
        await asyncio.sleep(HANG_POLL)
    world.dropped += 1
    return drop(request)


async def dispatch(
    request: web.Request, world: World, method: str, arrived: float
) -> web.StreamResponse:
    """One Bot API call (`arrived`: monotonic seconds); errors come in Telegram's shape."""
    try:
        params = await read_params(request, world)
        if method == "getUpdates":
            if world.webhook is not None:
                return refuse(409, WEBHOOK_ACTIVE)
            return await long_poll(request, world, params)
        handler = METHODS.get(method)
        if handler is None:
            return refuse(404, "Not Found")
        if method in SENDING:
            return await _send(world, method, handler, params, arrived)
        return answer(await handler(world, params))
    except BadRequest as error:
        return refuse(400, error.description)
    except ApiError as error:
        return refuse(error.code, error.description, **error.parameters)


def _throttle(world: World, method: str, chat: int | None, arrived: float) -> int:
    """Seconds to wait if this send is over a limit (an injected flood, the strict limits)."""
    faults = world.faults
    if faults.flood > 0 and faults.flood_chat in (None, chat):
        faults.flood -= 1
        return faults.retry_after
    if faults.strict and method in POSTING:
        return world.gate.admit(chat, arrived)
    return 0


async def _send(
    world: World, method: str, handler: Method, params: Params, arrived: float
) -> web.Response:
    """A call that shows something in a chat: flood control applies, and it is logged."""
    loop = asyncio.get_running_loop()
    chat = int(params["chat_id"]) if str(params.get("chat_id", "")).lstrip("-").isdigit() else None
    status, response = 200, None
    if wait := _throttle(world, method, chat, arrived):
        world.throttled += 1
        status, response = 429, too_many(wait)
    else:
        try:
            result = await handler(world, params)
        except BadRequest as error:
            status, response = 400, refuse(400, error.description)
        except ApiError as error:
            status, response = error.code, refuse(error.code, error.description)
        else:
            response = answer(result)
            if method in POSTING and chat is not None:
                world.deliveries.append(Delivery(arrived, chat, method, _shown(result)))
        if status != 200 and world.faults.strict and method in POSTING:
            world.gate.release(chat, arrived)
    world.calls.append((loop.time(), method, chat, status))
    return response


def _shown(result: Any) -> str:
    """What a sent message (or an album) says: its text, or its captions."""
    messages = result if isinstance(result, list) else [result]
    return "\n".join(str(m.get("text") or m.get("caption") or "") for m in messages).strip()
