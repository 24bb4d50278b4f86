"""A bot that can be killed and started again at once, for the crash tests.

`python -m tests.e2e.respawn` imports the bot once, then for each `run` line on its stdin forks
a child that runs what `python -m bot` runs (`bot.__main__` through runpy, as `-m` does). A
restart is a fork, not the seconds that importing aiogram takes on a busy machine, so twenty
crashes fit in a test. `kill` ends the child with SIGKILL (no shutdown, no last words), `stop`
with SIGINT (like Ctrl-C); each answers `respawn: exit <code>`, `run` answers `respawn: pid
<pid>`. The children's own output goes to the same stdout.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys

import bot.app  # noqa: F401  (the import every child would otherwise repeat)


def child() -> None:
    code: object = 0
    try:
        runpy.run_module("bot", run_name="__main__", alter_sys=True)
    except SystemExit as done:
        code = done.code
    sys.stdout.flush()
    os._exit(code if isinstance(code, int) else 1)


def main() -> None:
    pid = 0
    for line in sys.stdin:
        word = line.strip()
        if word == "run":
            pid = os.fork()
            if pid == 0:
                child()
            print(f"respawn: pid {pid}", flush=True)
        elif word in ("kill", "stop") and pid:
            os.kill(pid, signal.SIGKILL if word == "kill" else signal.SIGINT)
            _, status = os.waitpid(pid, 0)
            pid = 0
            print(f"respawn: exit {os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    main()
