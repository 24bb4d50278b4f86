"""A seller in the demo company forwards a client's message and sends a voice note from the
chat page: over real HTTP, through the bot's process, each lands in a deal's history, and the
voice note is sent back from the history by its file id."""

from __future__ import annotations

import aiohttp
import pytest

from tests.e2e.chat import Chat

MARIA = 100011  # a seller of the demo company


@pytest.mark.e2e
async def test_a_forward_and_a_voice_note_from_the_page_land_in_a_deal(demo_sandbox: str) -> None:
    async with aiohttp.ClientSession() as http:
        maria = Chat(http, demo_sandbox, MARIA, "Мария")
        before = await maria._snapshot()
        forward = {"kind": "forward", "text": "Пришлите КП", "from_name": "Иван Петров"}
        await maria._post("send", {"user": MARIA, **forward, "from_id": 900, "first_name": "Мария"})
        await maria.wait("Куда его сохранить", before)
        card = await maria.press("📎", "💼")
        assert "💼" in card

        before = await maria._snapshot()
        await maria._post("send", {"user": MARIA, "kind": "voice", "duration": 12})
        await maria.wait("К какой сделке", before)
        await maria.press("📎", "💼")
        history = await maria.press("📜", "Пришлите КП")
        assert "Иван Петров" in history and "🎤" in history
        await maria.press("1. 🎤")
        voices = [m for m in await maria.bot_messages() if m.get("voice")]
        assert voices and voices[-1]["voice"]["duration"] == 12
