"""The handlers' house rules that a reviewer would otherwise have to re-check by eye."""

from __future__ import annotations

import inspect
import pathlib

from aiogram import Router

from handlers import get_routers

# What ContextMiddleware once put in the data one by one; now it lives on `ctx`.
CONTEXT_NAMES = {"uow", "person", "user", "t", "tz", "now", "company", "notifier"}
HANDLERS = pathlib.Path(__file__).parents[2] / "handlers"


def _routers() -> list[Router]:
    return [nested for router in get_routers() for nested in router.chain_tail]


def test_every_handler_takes_the_update_context_as_one_ctx() -> None:
    offenders = []
    for router in _routers():
        for observer in router.observers.values():
            for handler in observer.handlers:
                params = set(inspect.signature(handler.callback).parameters)
                if taken := sorted(params & CONTEXT_NAMES):
                    offenders.append(f"{router.name}: {handler.callback.__qualname__} {taken}")
    assert offenders == []


def test_every_feature_router_lets_through_only_presses_on_reachable_messages() -> None:
    """So that no handler checks `query.message` itself (`screens.message_of` gives it)."""
    from handlers.filters import Reachable

    *features, fallback = get_routers()
    for router in features:
        filters = [f.callback for f in router.callback_query._handler.filters or []]
        assert any(isinstance(f, Reachable) for f in filters), router.name
    assert fallback.name == "fallback"
    offenders = [
        str(path.relative_to(HANDLERS))
        for path in HANDLERS.rglob("*.py")
        if "isinstance(query.message" in path.read_text()
        and path.name not in {"screens.py", "filters.py", "errors.py"}
    ]
    assert offenders == []
