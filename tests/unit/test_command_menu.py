"""Each role's command menu shows what the role may do."""

from __future__ import annotations

from bot.domain.models import Role
from handlers.keyboards import commands_for


def test_only_admins_see_pipelines_in_their_menu() -> None:
    assert "pipelines" in commands_for(Role.ADMIN)
    assert "pipelines" not in commands_for(Role.HEAD)
    assert "pipelines" not in commands_for(Role.SELLER)
    assert "team" in commands_for(Role.HEAD)  # heads keep what is theirs
