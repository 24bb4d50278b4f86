"""The Dockerfile's steps without docker, for machines that cannot pull its base image.

A fresh venv gets the lock file's wheels with `--require-hashes` (the image's RUN step: this
needs the package index, so it is not a test), the app is copied as the COPY steps say (minus
.dockerignore), and then, as a user that is not root when run as root (the image's USER), with
the code read-only to it: `python -m bot --help`, `python -m bot migrate` on a SQLite file
under data/, and a start with a malformed token (one line, status 2). Prints each step's time.

    .venv/bin/python benchmarks/image_steps.py [--python /usr/bin/python3.11] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.dockerfile import ROOT, copy_app

NOBODY = 65534


def step(title: str, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    done = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    print(f"{time.monotonic() - started:6.1f} s  {title}: exit {done.returncode}")
    return done  # type: ignore[no-any-return]


def as_app_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return args
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *args]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    system = Path("/usr/bin/python3.11")  # readable by any user, unlike a pyenv under /root
    parser.add_argument("--python", default=str(system) if system.exists() else sys.executable)
    parser.add_argument("--keep", type=Path, help="build here and leave it (default: a temp dir)")
    options = parser.parse_args()
    base = options.keep or Path(tempfile.mkdtemp(prefix="salesbot-image-"))
    venv, app = base / "venv", base / "app"
    python = str(venv / "bin" / "python")

    made = step("python -m venv", [options.python, "-m", "venv", str(venv)])
    lock = ROOT / "requirements.lock"
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    installed = step("pip install --require-hashes -r requirements.lock",
                     [*pip, "--no-cache-dir", "--require-hashes", "-r", str(lock)])  # fmt: skip
    if made.returncode or installed.returncode:
        print(made.stderr + installed.stderr)
        return 1
    copy_app(app, skip=("requirements.lock",))
    step("python -m compileall", [python, "-m", "compileall", "-q", "bot", "handlers", "storage"],
         cwd=app)  # fmt: skip
    (app / "data").mkdir()
    if os.geteuid() == 0:
        os.chown(app / "data", NOBODY, NOBODY)
        base.chmod(0o755)
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(app / "data")}

    checks = [
        ("python -m bot --help", [], 0),
        ("python -m bot migrate", ["migrate"], 0),
        ("BOT_TOKEN=notatoken python -m bot", [], 2),
    ]
    failed = 0
    for title, args, expected in checks:
        extra = {"BOT_TOKEN": "notatoken"} if "notatoken" in title else {}
        if not args and not extra:
            args = ["--help"]
        done = step(title, as_app_user(["python", "-m", "bot", *args]), cwd=app, env=env | extra)
        said = (done.stdout + done.stderr).strip().splitlines()
        print("         " + (said[0] if said else "(nothing)"))
        failed += done.returncode != expected
    written = step("the code is read-only to the bot", as_app_user(["touch", "bot/x"]), cwd=app)
    failed += written.returncode == 0 and os.geteuid() == 0
    print(f"{'all steps as the image does them' if not failed else f'{failed} failed'}; in {base}")
    if not options.keep:
        shutil.rmtree(base)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
