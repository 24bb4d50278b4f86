"""Stalled deals as lists: to a seller their newly stalled deals, to a head or an admin the
deals stalled twice their limit; each deal a line and a row of one-tap buttons."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.ids import UserId
from bot.domain.models import User
from bot.domain.notices import Entry, Merge, Notice, deal_stage_ref
from bot.i18n import Translator, translator
from bot.services.agenda import Stall
from handlers.compose import compose
from handlers.deals.callbacks import CardAction, DealCb
from handlers.deals.views import next_stage_button, short
from handlers.lists import EntryAction, entry_button
from handlers.texts import escaped

STALL = "stall"
ESCALATION = "escalation"


def stall_entry(t: Translator, stall: Stall, owner: str, *, for_head: bool) -> Entry:
    """One deal: where it stands and for how long it may, its card, and (for its owner) a task."""
    deal = stall.deal
    text = t(
        "stall.head_line" if for_head else "stall.line",
        deal=escaped(deal.title, 60),
        stage=escaped(stall.stage.name, 40),
        limit=t.n("days", stall.stage.stall_days),
        owner=escaped(owner, 40),
    )
    row = [entry_button(short("💼 " + deal.title), EntryAction.DEAL, deal.id)]
    if not for_head:  # a new task asks for its text in a message of its own: the list stays
        task = DealCb(action=CardAction.TASK, deal_id=deal.id).pack()
        row.append({"text": t("card.btn.task"), "callback_data": task})
    ahead = (next_stage_button(t, deal.id, deal.version),)  # one tap moves it on
    return Entry(
        kind=ESCALATION if for_head else STALL,
        text=text,
        buttons=(tuple(row), ahead),
        ref=deal_stage_ref(deal.id, stall.stage.id),
    )


def stall_list(
    reader: User,
    stalls: Sequence[Stall],
    owners: Mapping[UserId, str],
    run: str,
    *,
    for_head: bool,
) -> Notice:
    """One notice of this run's stalls for one person: one deal reads as a sentence, several
    as a list (paged by `compose`). The key names the person, the run and its first deal."""
    assert stalls
    t = translator(reader.language)
    names = [owners.get(s.deal.owner_id, "—") for s in stalls]
    entries = tuple(
        stall_entry(t, s, name, for_head=for_head) for s, name in zip(stalls, names, strict=True)
    )
    markup: dict[str, Any] | None
    if len(entries) == 1:
        text, ref = _sentence(t, stalls[0], names[0], for_head=for_head), entries[0].ref
        markup = {"inline_keyboard": [list(row) for row in entries[0].buttons]}
    else:
        (text, markup), ref = compose(reader, entries, Merge.TOGETHER), None
    first = stalls[0].deal
    return Notice(
        chat_id=reader.tg_id,
        kind=entries[0].kind,
        text=text,
        user_id=reader.id,
        dedup_key=f"{entries[0].kind}s:{reader.id}:{run}:{first.id}",
        reply_markup=markup,
        entries=entries,
        ref=ref,
    )


def _sentence(t: Translator, stall: Stall, owner: str, *, for_head: bool) -> str:
    return t(
        "stall.head" if for_head else "stall.owner",
        deal=html.escape(stall.deal.title),
        stage=html.escape(stall.stage.name),
        limit=t.n("days", stall.stage.stall_days),
        owner=html.escape(owner),
    )
