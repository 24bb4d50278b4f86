"""How an update finds its handler, quickly.

aiogram runs a filter or handler that is a plain function (not a coroutine) in a worker thread
(`asyncio.to_thread`), so that a slow one cannot block the event loop. Ours never block: they
are magic filters (`F.action == CardAction.MOVE`, `F.text.in_(...)`) and small predicates. In
a thread each cost a hop there and back under the GIL: a stage change tried 14 of them,
~0.3 ms of CPU and the wait for the thread besides. `run_filters_inline` makes every such
callable a coroutine that calls it in place, once, when the dispatcher is built.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import CallableObject
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, TelegramObject

SEPARATOR = ":"  # aiogram's CallbackData separator; our callback data keep the default


def _inline(callable_object: CallableObject) -> None:
    if callable_object.awaitable:
        return
    plain = callable_object.callback

    async def in_place(*args: Any, **kwargs: Any) -> Any:
        return plain(*args, **kwargs)

    # The parameters it takes were read from the plain callable already (`params`, `varkw`).
    callable_object.callback = in_place
    callable_object.awaitable = True


def callables(router: Router) -> Iterator[CallableObject]:
    """Every handler and filter of the router and the routers under it, root filters too."""
    for each in router.chain_tail:
        for observer in each.observers.values():
            root = getattr(observer, "_handler", None)  # the observer's own filters
            yield from (root.filters or []) if root is not None else []
            for handler in observer.handlers:
                yield handler
                yield from handler.filters or []


def run_filters_inline(router: Router) -> None:
    """No filter or handler of the router (or under it) goes to a worker thread."""
    for callable_object in callables(router):
        _inline(callable_object)


def callback_prefixes(router: Router) -> frozenset[str] | None:
    """The callback-data prefixes every button handler of the router (and under it) takes,
    or None if one of them takes other presses too (no `CallbackData` filter of its own)."""
    prefixes: set[str] = set()
    for each in router.chain_tail:
        for handler in each.callback_query.handlers:
            own = [
                f.callback.callback_data.__prefix__
                for f in handler.filters or []
                if isinstance(f.callback, CallbackQueryFilter)
            ]
            if not own:
                return None
            prefixes.update(own)
    return frozenset(prefixes)


class PressSwitch(Router):
    """The feature routers, in order; a press goes only to those that take its kind.

    A router left to itself visits every router and, in each, every handler's filters: a
    press on a deal card tried 97 filters and unpacked its data 57 times, in 30 routers,
    before the one that takes it. The switch knows, from each router's button handlers, the
    callback-data prefixes it takes, and passes a press only to the routers that take its
    prefix or whose handlers may take any press (the fallback); in the same order as before,
    so the first that handles it is the same. Every other update goes through as usual."""

    def __init__(self, routers: Sequence[Router]) -> None:
        super().__init__(name="press_switch")
        self.include_routers(*routers)
        takes = [(r, callback_prefixes(r)) for r in routers]
        every = {p for _, prefixes in takes for p in prefixes or ()}
        self._by_prefix = {
            p: tuple(r for r, prefixes in takes if prefixes is None or p in prefixes) for p in every
        }
        self._any = tuple(r for r, prefixes in takes if prefixes is None)

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        if update_type != "callback_query" or not isinstance(event, CallbackQuery):
            return await super().propagate_event(update_type, event, **kwargs)
        prefix = (event.data or "").partition(SEPARATOR)[0]
        for router in self._by_prefix.get(prefix, self._any):
            response = await router.propagate_event(update_type, event, **kwargs)
            if response is not UNHANDLED:
                return response
        return UNHANDLED
