"""People in the sandbox, over HTTP: they type, press buttons and wait for the bot's answer.

The sandbox's own JSON API stands in for the Telegram app; the bot is a real process that
meets them only through the Bot API server.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.e2e import forks
from tests.e2e.forks import Forked

ROOT = Path(__file__).resolve().parents[2]
WAIT = 20.0  # seconds a reply may take on a loaded machine


def child_env(**extra: str) -> dict[str, str]:
    """A clean environment for a bot process: the repository importable, no real settings."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    return env | {"PYTHONPATH": str(ROOT), "QUIET_HOURS": "off", "PYTHONUNBUFFERED": "1"} | extra


async def start_process(args: list[str], cwd: Path, env: dict[str, str]) -> Forked:
    """`python *args` (a `-m bot ...` or `-m sandbox ...`), stdout and stderr in one stream:
    forked from a process that has imported the bot already (tests/e2e/forks.py)."""
    return await forks.start(args, cwd, env)


async def stop_process(process: Forked) -> str:
    """SIGINT like Ctrl-C, then whatever it printed. Once in a CI run (of some twenty with
    the fork server) a sandbox printed nothing and did not stop within 15 s of it; not seen
    again in 70 tries here. So after 10 s its threads' stacks are written to its output
    (SIGUSR1, tests/e2e/forks.py) and it gets a second Ctrl-C, as a person would press again;
    10 s more and it is killed."""
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
        for last in (signal.SIGINT, signal.SIGKILL):
            try:
                await asyncio.wait_for(process.wait(), 10)
                break
            except TimeoutError:
                print(f"stop_process: {process.pid} still running after SIGINT", file=sys.stderr)
                process.send_signal(signal.SIGUSR1)
                await asyncio.sleep(0.5)
                process.send_signal(last)
        await process.wait()
    assert process.stdout is not None
    return (await process.stdout.read()).decode(errors="replace")


def _text(message: dict[str, Any]) -> str:
    return str(message.get("raw") or message.get("text") or message.get("caption") or "")


def _buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


@dataclass
class Chat:
    """One Telegram user's private chat with the bot, as the sandbox shows it."""

    http: aiohttp.ClientSession
    base: str
    user: int
    name: str
    lang: str = "ru"

    async def state(self) -> dict[str, Any]:
        async with self.http.get(f"{self.base}/sandbox/api/chat/{self.user}") as response:
            response.raise_for_status()
            state: dict[str, Any] = await response.json()
            return state

    async def bot_messages(self) -> list[dict[str, Any]]:
        return [m for m in (await self.state())["messages"] if m["out"]]

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(f"{self.base}/sandbox/api/{path}", json=body) as response:
            response.raise_for_status()
            result: dict[str, Any] = await response.json()
            return result

    async def send(self, text: str, expect: str = "") -> str:
        """Type a message; the text of the bot's first new or edited message saying `expect`."""
        before = await self._snapshot()
        who = {"first_name": self.name, "language_code": self.lang}
        await self._post("send", {"user": self.user, "text": text, **who})
        return await self.wait(expect, before)

    async def press(self, label: str, expect: str = "") -> str:
        """Press the newest inline button whose text contains `label`."""
        before = await self._snapshot()
        for message in reversed(await self.bot_messages()):
            for text, data in _buttons(message):
                if label in text and data:
                    body = {"user": self.user, "message_id": message["message_id"], "data": data}
                    await self._post("press", body)
                    return await self.wait(expect, before)
        labels = [t for m in await self.bot_messages() for t, _ in _buttons(m)]
        raise AssertionError(f"{self.name}: no button {label!r} among {labels}")

    async def press_on(self, message_id: int, label: str, expect: str = "") -> str:
        """Press the button whose text contains `label` on that message (an older one)."""
        before = await self._snapshot()
        for message in await self.bot_messages():
            if message["message_id"] != message_id:
                continue
            for text, data in _buttons(message):
                if label in text and data:
                    body = {"user": self.user, "message_id": message_id, "data": data}
                    await self._post("press", body)
                    return await self.wait(expect, before, buttons=True)
        raise AssertionError(f"{self.name}: no button {label!r} on message {message_id}")

    async def _snapshot(self) -> dict[int, str]:
        return {
            m["message_id"]: _text(m) + str(m.get("reply_markup"))
            for m in await self.bot_messages()
        }

    async def wait(
        self, expect: str, before: dict[int, str] | None = None, *, buttons: bool = False
    ) -> str:
        """Until a new or changed bot message contains `expect` (a regular expression), in its
        text or, with `buttons`, in its buttons' labels."""
        before = before or {}
        deadline = asyncio.get_running_loop().time() + WAIT
        while asyncio.get_running_loop().time() < deadline:
            for message in await self.bot_messages():
                key = _text(message) + str(message.get("reply_markup"))
                fresh = before.get(message["message_id"]) != key
                labels = " ".join(t for t, _ in _buttons(message)) if buttons else ""
                if fresh and re.search(expect, _text(message) + labels, re.S):
                    return _text(message)
            await asyncio.sleep(0.1)
        texts = [_text(m)[:120] for m in await self.bot_messages()][-5:]
        raise AssertionError(f"{self.name} waited for {expect!r}; the chat ends with {texts}")

    async def wait_photos(self, count: int) -> list[list[dict[str, Any]]]:
        """Until the chat holds `count` photos from the bot: each one's sizes, in order."""
        deadline = asyncio.get_running_loop().time() + WAIT
        while asyncio.get_running_loop().time() < deadline:
            photos = [m["photo"] for m in await self.bot_messages() if m.get("photo")]
            if len(photos) >= count:
                return photos
            await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} waited for {count} photos; got {len(photos)}")

    async def texts(self, pattern: str = "") -> list[str]:
        return [_text(m) for m in await self.bot_messages() if re.search(pattern, _text(m), re.S)]

    async def alerts(self) -> list[str]:
        return [a["text"] for a in (await self.state())["alerts"]]
