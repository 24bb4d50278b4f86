"""A headless Chromium (Debian's package) driven over the DevTools protocol with aiohttp.

Enough for a browser test of the sandbox page: open a URL, run JavaScript, wait for the DOM,
take a screenshot. Nothing is downloaded: the browser must come from the system packages.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser")


def find_browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Page:
    """One browser tab."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws, self._ids = ws, itertools.count(1)
        self.errors: list[str] = []  # uncaught exceptions and console.error calls

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        await self._ws.send_json({"id": call_id, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json()
            if message.get("method") == "Runtime.exceptionThrown":
                self.errors.append(json.dumps(message["params"]["exceptionDetails"])[:500])
            console = message.get("method") == "Runtime.consoleAPICalled"
            if console and message["params"]["type"] == "error":
                self.errors.append(json.dumps(message["params"]["args"])[:500])
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(message["error"])
                result: dict[str, Any] = message.get("result", {})
                return result

    async def evaluate(self, expression: str) -> Any:
        result = await self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise AssertionError(result["exceptionDetails"])
        return result["result"].get("value")

    async def wait_for(self, expression: str, seconds: float = 20) -> Any:
        """Until the JavaScript expression is truthy; its value."""
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.1)
        raise AssertionError(f"the page never got to: {expression}")

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))


@contextlib.asynccontextmanager
async def open_page(
    browser: str, url: str, width: int = 1280, height: int = 860
) -> AsyncIterator[Page]:
    port = _free_port()
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-zygote",
            "--no-first-run", f"--remote-debugging-port={port}", f"--window-size={width},{height}",
            "about:blank"]  # fmt: skip
    # Debian's launcher is a shell script that forks the browser: a process group of its own
    # lets the whole browser go at the end, not only the script.
    process = await asyncio.create_subprocess_exec(
        *args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        async with aiohttp.ClientSession() as http:
            targets = await _targets(http, port)
            tab = next(t for t in targets if t["type"] == "page")
            async with http.ws_connect(tab["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = Page(ws)
                await page.call("Runtime.enable")
                await page.call("Page.enable")
                await page.call(
                    "Emulation.setDeviceMetricsOverride",
                    width=width, height=height, deviceScaleFactor=1, mobile=False,
                )  # fmt: skip
                await page.call("Page.navigate", url=url)
                yield page
    finally:
        await _end(process)


async def _targets(http: aiohttp.ClientSession, port: int) -> list[dict[str, Any]]:
    for _ in range(150):  # the browser takes a moment to listen
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"http://127.0.0.1:{port}/json") as response:
                targets: list[dict[str, Any]] = await response.json()
                if any(t["type"] == "page" for t in targets):
                    return targets
        await asyncio.sleep(0.2)
    raise AssertionError("the browser did not open its debugging port")


async def _end(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
    for _ in range(50):  # the browser itself may outlive the launcher by a moment
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        await asyncio.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
