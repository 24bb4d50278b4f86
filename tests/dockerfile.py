"""The repository's Dockerfile read as instructions, and its COPY steps done without docker
(there is no image registry to build from here): what tests and benchmarks check it with."""

from __future__ import annotations

import fnmatch
import json
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Instruction:
    name: str  # upper case: FROM, RUN, COPY, USER, CMD, ...
    args: str

    def exec_form(self) -> list[str]:
        """CMD ["python", "-m", "bot"] as a list (the shell form is split like a shell)."""
        text = self.args.strip()
        return list(json.loads(text)) if text.startswith("[") else shlex.split(text)


def instructions(path: Path = ROOT / "Dockerfile") -> list[Instruction]:
    """Each instruction, its continuation lines joined, comments dropped."""
    steps: list[Instruction] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        name, _, args = (pending + line).partition(" ")
        steps.append(Instruction(name.upper(), " ".join(args.split())))
        pending = ""
    return steps


def named(steps: list[Instruction], name: str) -> list[Instruction]:
    return [step for step in steps if step.name == name]


def copy_sources(step: Instruction) -> tuple[list[str], str]:
    """COPY [--flags] SRC... DEST: the sources and the destination."""
    words = [w for w in shlex.split(step.args) if not w.startswith("--")]
    return words[:-1], words[-1]


def _ignored(context: Path) -> list[str]:
    lines = (context / ".dockerignore").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith(("#", "!"))]


def copy_app(dest: Path, context: Path = ROOT, skip: tuple[str, ...] = ()) -> list[Path]:
    """Do the Dockerfile's COPY steps into `dest` (its WORKDIR), minus the `skip`ped sources,
    leaving out what .dockerignore keeps from the build context. What was copied."""
    patterns = _ignored(context)

    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).relative_to(context)
        return {n for n in names for p in patterns
                if fnmatch.fnmatch(n, p) or fnmatch.fnmatch(str(rel / n), p)}  # fmt: skip

    copied = []
    for step in named(instructions(context / "Dockerfile"), "COPY"):
        sources, target = copy_sources(step)
        for source in sources:
            if source in skip:
                continue
            origin = context / source
            where = dest / target if not target.startswith("/") else dest / Path(target).name
            if origin.is_dir():
                shutil.copytree(origin, where, ignore=ignore)
            else:
                if target.endswith("/"):
                    where = where / origin.name
                where.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(origin, where)
            copied.append(where)
    return copied
