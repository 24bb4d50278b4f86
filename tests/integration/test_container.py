"""The Dockerfile, checked without docker (no image can be pulled here): it installs only the
lock file's hashed wheels, runs `python -m bot` as a user that is not root, asks /healthz, and
the files it copies are enough for the bot to start. `benchmarks/image_steps.py` goes further:
a fresh venv from the lock file, as the image's RUN step does it (that needs the network)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from alembic.script import ScriptDirectory

from storage.db import alembic_config
from tests.dockerfile import ROOT, copy_app, copy_sources, instructions, named

STEPS = instructions()
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_image_is_python_3_11_slim() -> None:
    [base] = named(STEPS, "FROM")
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", base.args)


def test_dependencies_come_only_from_the_lock_file_checked_against_its_hashes() -> None:
    [lock_copy] = [s for s in named(STEPS, "COPY") if "requirements.lock" in s.args]
    _, lock_in_image = copy_sources(lock_copy)
    installs = [s.args for s in named(STEPS, "RUN") if "pip install" in s.args]
    assert len(installs) == 1
    assert re.search(rf"pip install --require-hashes -r {re.escape(lock_in_image)}\b", installs[0])
    assert installs[0].count("pip install") == 1  # nothing else, unpinned, beside it

    lock = (ROOT / "requirements.lock").read_text()
    pins = re.findall(r"^([A-Za-z0-9_.\-\[\]]+)==\S+ \\\n((?:\s+--hash=sha256:[0-9a-f]{64}.*\n)+)",
                      lock, re.MULTILINE)  # fmt: skip
    listed = re.findall(r"^[A-Za-z0-9_.\-\[\]]+==", lock, re.MULTILINE)
    assert len(pins) == len(listed) > 20  # every pinned package carries its hashes


def test_the_bot_runs_as_its_own_user_not_root() -> None:
    users = named(STEPS, "USER")
    assert users and users[-1].args not in ("root", "0")
    assert STEPS.index(users[-1]) < STEPS.index(named(STEPS, "CMD")[0])
    user = re.escape(users[-1].args)
    assert any(re.search(rf"useradd [^&]* {user}( |$)", s.args) for s in named(STEPS, "RUN"))


def test_the_container_runs_python_m_bot_from_the_installed_venv() -> None:
    [cmd] = named(STEPS, "CMD")
    assert cmd.exec_form() == ["python", "-m", "bot"]
    [venv] = [s for s in named(STEPS, "RUN") if "python -m venv" in s.args]
    folder = venv.args.split("python -m venv ", 1)[1].split()[0]
    assert any(f"PATH={folder}/bin:" in s.args for s in named(STEPS, "ENV"))


class _Health(BaseHTTPRequestHandler):
    status = 200
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Health.asked.append(self.path)
        self.send_response(_Health.status)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    _Health.status, _Health.asked = 200, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def health_check(**env: str) -> int:
    """The image's HEALTHCHECK command, run here with this interpreter as its `python`."""
    [check] = named(STEPS, "HEALTHCHECK")
    args = json.loads(check.args.split(" CMD ", 1)[1])
    args = [sys.executable if word == "python" else word for word in args]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "HEALTH_"))}
    return subprocess.run(args, env=clean | env, capture_output=True, timeout=30).returncode


def test_the_health_check_asks_healthz_on_the_webhook_port(
    health_server: ThreadingHTTPServer,
) -> None:
    port = str(health_server.server_address[1])
    webhook = {"WEBHOOK_URL": "https://bot.example.com/tg", "WEBHOOK_PORT": port}
    assert health_check(**webhook) == 0
    assert _Health.asked == ["/healthz"]

    _Health.status = 503
    assert health_check(**webhook) != 0
    assert health_check(HEALTH_PORT=port) != 0  # polling: its health port is asked instead
    assert _Health.asked == ["/healthz"] * 3

    health_server.shutdown()
    health_server.server_close()
    assert health_check(**webhook) != 0  # nothing answers: unhealthy


def _run(app: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return subprocess.run(
        [sys.executable, *args], cwd=app, env=keep | env,  # no PYTHONPATH: only the copy
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_files_the_image_copies_are_enough_to_run_the_bot(tmp_path: Path) -> None:
    app = tmp_path / "app"
    copied = copy_app(app, skip=("requirements.lock",))
    assert {p.name for p in copied} >= {"bot", "handlers", "storage"}
    assert not list(app.rglob("__pycache__"))  # .dockerignore keeps them out

    where = _run(app, "-c", "import bot, handlers, storage; print(bot.__file__, "
                            "handlers.__file__, storage.__file__)")  # fmt: skip
    assert where.returncode == 0, where.stderr
    assert all(Path(f).is_relative_to(app) for f in where.stdout.split())

    usage = _run(app, "-m", "bot", "--help")
    assert usage.returncode == 0 and all(
        c in usage.stdout for c in ("migrate", "backup", "restore")
    )

    migrated = _run(app, "-m", "bot", "migrate")  # the image's default: a file under data/
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout == f"The database data/salesbot.db is at schema {HEAD}, the newest.\n"

    current = _run(app, "-m", "alembic", "current")
    assert current.returncode == 0 and current.stdout.split() == [HEAD, "(head)"]

    wrong = _run(app, "-m", "bot", BOT_TOKEN="notatoken")
    assert wrong.returncode == 2 and len(wrong.stderr.splitlines()) == 1
    assert wrong.stderr.startswith("Invalid setting BOT_TOKEN:")


def test_every_setting_the_compose_file_gives_the_workers_is_one_the_bot_reads() -> None:
    """A misspelt variable in docker-compose.yml would be ignored silently (extra="ignore")."""
    from bot.config import Settings

    compose = (ROOT / "docker-compose.yml").read_text()
    block = compose.split("x-bot:", 1)[1].split("\n  environment:\n", 1)[1]
    names = re.findall(r"^    ([A-Z][A-Z0-9_]*):", block.split("\n  depends_on:", 1)[0], re.M)
    assert "WEBHOOK_SECRET" in names and "DATABASE_URL" in names
    assert sorted(n for n in names if n.lower() not in Settings.model_fields) == []
