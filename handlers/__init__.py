"""The Telegram-facing layer: aiogram routers, thin over the services."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """Fresh routers, in the order updates should try them."""
    from handlers import (
        common,
        delivery,
        errors,
        export,
        language,
        lists,
        settings,
        start,
        team,
    )
    from handlers.deals import (
        card,
        edit,
        handoff,
        inbox,
        listing,
        new,
        next_stage,
        people,
        plain,
    )
    from handlers.digest import router as digest
    from handlers.filters import Reachable
    from handlers.pipelines import router as pipelines
    from handlers.plans import router as plans
    from handlers.reports import abc as reports_abc
    from handlers.reports import router as reports
    from handlers.standup import router as standup
    from handlers.surveys import client as survey_client
    from handlers.surveys import seller as survey_team
    from handlers.tasks import router as tasks

    routers = [
        errors.build_router(),
        start.build_router(),
        common.build_cancel_router(),
        inbox.build_messages_router(),
        team.build_router(),
        language.build_router(),
        settings.build_router(),
        delivery.build_router(),
        pipelines.build_router(),
        new.build_router(),
        card.build_router(),
        next_stage.build_router(),
        edit.build_router(),
        people.build_router(),
        inbox.build_router(),
        handoff.build_router(),
        listing.build_router(),
        tasks.build_router(),
        lists.build_router(),
        survey_team.build_router(),
        survey_client.build_router(),
        plans.build_router(),
        export.build_router(),
        reports.build_router(),
        reports_abc.build_router(),
        digest.build_router(),
        standup.build_router(),
        plain.build_router(),  # text no step took: a search, just before the fallback
    ]
    for router in routers:
        # A press on a message gone from the chat reaches the fallback ("outdated button").
        router.callback_query.filter(Reachable())
    return [*routers, common.build_router()]
