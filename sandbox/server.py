"""One aiohttp server: the Bot API for the bot, a small JSON API and the chat page for people."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox import kinds
from sandbox.botapi import dispatch, refuse, unreachable
from sandbox.world import BOT_USERNAME, World

log = logging.getLogger(__name__)
PAGE = Path(__file__).with_name("page.html")
BOX: web.AppKey[Sandbox] = web.AppKey("box")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Jump = Callable[[str, float], Awaitable[dict[str, Any]]]


@dataclass
class Sandbox:
    """The server's state and hooks; the HTTP site can stop and start again around it."""

    token: str
    world: World = field(default_factory=World)
    personas: list[dict[str, Any]] = field(default_factory=list)
    jump: Jump | None = None
    now: Callable[[], str] | None = None
    # The bot's clock as the team reads it (its time zone and date format), for the page.
    clock: Callable[[], Awaitable[str]] | None = None
    # The team's time zone (IANA key, from the company settings): the page's message times.
    zone: Callable[[], Awaitable[str]] | None = None
    runner: web.AppRunner | None = None
    url: str = ""

    async def start(self, host: str = "127.0.0.1", port: int = 8080) -> str:
        """Listen (port 0 picks a free one); the base URL, e.g. http://127.0.0.1:8080."""
        self.runner = web.AppRunner(
            build_app(self), handle_signals=False, access_log=None, shutdown_timeout=0.5
        )
        await self.runner.setup()
        site = web.TCPSite(self.runner, host, port)
        await site.start()
        self.url = f"http://{host}:{self.runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@web.middleware
async def malformed_is_400(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A missing or mistyped field is the caller's mistake, answered 400, never a 500."""
    try:
        return await handler(request)
    except (KeyError, ValueError, TypeError) as error:
        if request.path.startswith("/bot"):
            return refuse(400, f"Bad Request: invalid parameter {error}")
        raise web.HTTPBadRequest(text=f"malformed request: {error!r}") from None


def build_app(box: Sandbox) -> web.Application:
    app = web.Application(client_max_size=50 * 1024 * 1024, middlewares=[malformed_is_400])
    app[BOX] = box
    app.router.add_route("*", "/bot{token}/{method}", on_bot_api)
    app.router.add_get("/file/bot{token}/files/{file_id}", on_file)
    app.router.add_get("/sandbox/files/{file_id}", on_file)
    app.router.add_get("/sandbox/api/state", on_state)
    app.router.add_get("/sandbox/api/chat/{user}", on_chat)
    app.router.add_post("/sandbox/api/send", on_send)
    app.router.add_post("/sandbox/api/press", on_press)
    app.router.add_post("/sandbox/api/jump", on_jump)
    app.router.add_post("/sandbox/api/faults", on_faults)
    app.router.add_get("/sandbox/api/calls", on_calls)
    app.router.add_get("/sandbox/api/deliveries", on_deliveries)
    app.router.add_get("/", on_page)
    return app


def _box(request: web.Request) -> Sandbox:
    return request.app[BOX]


async def on_bot_api(request: web.Request) -> web.StreamResponse:
    arrived, box = time.monotonic(), _box(request)
    if box.world.faults.refuse or box.world.faults.hang:
        return await unreachable(request, box.world)
    if request.match_info["token"] != box.token:
        return refuse(401, "Unauthorized")
    return await dispatch(request, box.world, request.match_info["method"], arrived)


async def on_file(request: web.Request) -> web.StreamResponse:
    box = _box(request)
    if "token" in request.match_info:  # the bot's download, through the Bot API
        if box.world.faults.refuse or box.world.faults.hang:
            return await unreachable(request, box.world)
        if request.match_info["token"] != box.token:
            return refuse(401, "Unauthorized")
    stored = box.world.files.get(request.match_info["file_id"])
    if stored is None:
        return refuse(404, "Not Found")
    disposition = "attachment" if request.query.get("download") else "inline"
    return web.Response(
        body=stored.data,
        content_type=stored.mime or "application/octet-stream",
        headers={"Content-Disposition": f'{disposition}; filename="{stored.name}"'},
    )


async def on_page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(PAGE, headers={"Cache-Control": "no-store"})


async def on_state(request: web.Request) -> web.StreamResponse:
    box = _box(request)
    return web.json_response(
        {
            "version": box.world.version,
            "now": box.now() if box.now else None,
            "clock": await box.clock() if box.clock else None,
            "tz": await box.zone() if box.zone else None,
            "personas": people(box),
            "bot": BOT_USERNAME,
            "confirmed": box.world.confirmed,
            "pending": len(box.world.updates),
            "polling": box.world.polling,  # the bot is up once it asks for updates
        }
    )


def people(box: Sandbox) -> list[dict[str, Any]]:
    """The personas, then everyone else who has written to the bot (a newcomer who joined)."""
    known = {p["id"] for p in box.personas}
    others = [
        {
            "id": u["id"],
            "first_name": u["first_name"],
            "username": u.get("username"),
            "language_code": u.get("language_code", "ru"),
            "role": "custom",
        }
        for u in box.world.users.values()
        if u["id"] not in known
    ]
    return [*box.personas, *others]


async def on_chat(request: web.Request) -> web.StreamResponse:
    """A user's chat with edits applied; `?since=<version>` waits up to 25 s for a change."""
    box, world = _box(request), _box(request).world
    user = int(request.match_info["user"])
    since = request.query.get("since")
    if since is not None and int(since) == world.version:
        await world.wait_change(int(since), 25)
    messages = [m for m in world.chats.get(user, []) if not m.get("deleted")]
    return web.json_response(
        {
            "version": world.version,
            "now": box.now() if box.now else None,
            "clock": await box.clock() if box.clock else None,
            "tz": await box.zone() if box.zone else None,
            "messages": messages,
            "keyboard": world.reply_keyboards.get(user),
            "commands": world.menu(user),
            "alerts": world.alerts.get(user, []),
        }
    )


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="a JSON body is expected") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object is expected")
    return body


def _persona(box: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    user = int(body["user"])
    known = next((p for p in box.personas if p["id"] == user), {})
    return {
        "first_name": body.get("first_name") or known.get("first_name", ""),
        "username": body.get("username") or known.get("username"),
        "language_code": body.get("language_code") or known.get("language_code", "ru"),
    }


async def on_send(request: web.Request) -> web.StreamResponse:
    box, body = _box(request), await _body(request)
    if body.get("kind", "text") != "text":
        try:
            content = kinds.content_of(box.world, body, int(box.world.clock()))
        except (kinds.KindError, ValueError, TypeError) as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        sent = await box.world.user_sends_content(int(body["user"]), content, **_persona(box, body))
        return web.json_response({"message_id": sent["message_id"]})
    text = str(body.get("text", ""))
    if not text.strip():
        raise web.HTTPBadRequest(text="text is empty")
    message = await box.world.user_sends(int(body["user"]), text, **_persona(box, body))
    return web.json_response({"message_id": message["message_id"]})


async def on_press(request: web.Request) -> web.StreamResponse:
    box, body = _box(request), await _body(request)
    user, message_id, data = int(body["user"]), int(body["message_id"]), str(body["data"])
    try:
        query = await box.world.user_presses(user, message_id, data)
    except LookupError:
        raise web.HTTPNotFound(text="no such message") from None
    return web.json_response({"callback_query_id": query})


async def on_jump(request: web.Request) -> web.StreamResponse:
    """Move the bot's clock: {"to": "hour"} or {"to": "morning"}, or {"hours": 2.5}."""
    box, body = _box(request), await _body(request)
    if box.jump is None:
        raise web.HTTPConflict(text="this server runs without a bot clock")
    return web.json_response(
        await box.jump(str(body.get("to", "hours")), float(body.get("hours", 1)))
    )


async def on_faults(request: web.Request) -> web.StreamResponse:
    """Test hooks: {"flood": n, "retry_after": s, "flood_chat": id, "block": id, "unblock": id,
    "drop_polls": n, "refuse": bool, "hang": bool, "strict": bool}; the faults now."""
    faults, body = _box(request).world.faults, await _body(request)
    faults.flood = int(body.get("flood", faults.flood))
    faults.retry_after = int(body.get("retry_after", faults.retry_after))
    if "flood_chat" in body:
        faults.flood_chat = None if body["flood_chat"] is None else int(body["flood_chat"])
    faults.drop_polls = int(body.get("drop_polls", faults.drop_polls))
    for switch in ("refuse", "hang", "strict"):
        if switch in body:
            if not isinstance(body[switch], bool):
                raise web.HTTPBadRequest(text=f"{switch} is true or false")
            setattr(faults, switch, body[switch])
    if "block" in body:
        faults.blocked.add(int(body["block"]))
    if "unblock" in body:
        faults.blocked.discard(int(body["unblock"]))
    return web.json_response(
        {"flood": faults.flood, "drop_polls": faults.drop_polls, "blocked": sorted(faults.blocked),
         "refuse": faults.refuse, "hang": faults.hang, "strict": faults.strict}
    )  # fmt: skip


async def on_calls(request: web.Request) -> web.StreamResponse:
    """What the bot sent, in order: [seconds, method, chat, status] (for tests)."""
    return web.json_response(_box(request).world.calls)


async def on_deliveries(request: web.Request) -> web.StreamResponse:
    """The messages Telegram accepted, in order of arrival ([monotonic seconds, chat, method,
    text]), how many sends were answered 429 and how many requests lost their connection."""
    world = _box(request).world
    return web.json_response(
        {"throttled": world.throttled, "dropped": world.dropped,
         "deliveries": [list(astuple(d)) for d in world.deliveries]}
    )  # fmt: skip
