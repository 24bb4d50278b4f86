"""Keyboards are built as plain lists of rows, never with aiogram's keyboard builders.

The builders deep-copy every button on each add and export: ~3 ms of CPU per stage change on
a slow machine (issue 15). import-linter cannot forbid a submodule of an external package, so
the sources are read here instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "sandbox")
BUILDERS_MODULE = "aiogram.utils.keyboard"


def builder_uses(source: str, name: str) -> list[str]:
    """`file:line what` for each import of aiogram's builders' module or use of a builder."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Name | ast.Attribute):
            word = node.id if isinstance(node, ast.Name) else node.attr
            if word.endswith("KeyboardBuilder"):
                found.append(f"{name}:{node.lineno} {word}")
            continue
        else:
            continue
        if any(m == BUILDERS_MODULE or m.startswith(BUILDERS_MODULE + ".") for m in modules):
            found.append(f"{name}:{node.lineno} import {BUILDERS_MODULE}")
    return found


def test_no_keyboard_is_built_with_aiogram_s_builder() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            offenders += builder_uses(path.read_text(encoding="utf-8"), name)
    assert not offenders, "build keyboards as lists of rows (handlers.keyboards.rows_of):\n" + (
        "\n".join(offenders)
    )


@pytest.mark.parametrize(
    "source",
    [
        "from aiogram.utils.keyboard import InlineKeyboardBuilder\n",
        "from aiogram.utils import keyboard\n",
        "import aiogram.utils.keyboard\n",
        "def f(kb):\n    return kb.utils.keyboard.ReplyKeyboardBuilder()\n",
    ],
)
def test_the_check_finds_a_builder(source: str) -> None:
    assert builder_uses(source, "x.py")


def test_the_check_lets_a_docstring_name_the_builder() -> None:
    assert not builder_uses('"""Not InlineKeyboardBuilder: it deep-copies."""\n', "x.py")
