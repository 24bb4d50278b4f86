"""The one message a person's list entries make: worded by why they come together, grouped
by kind, paged, and always within Telegram's limits."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.ids import TelegramId, UserId
from bot.domain.models import Role, User
from bot.domain.notices import Entry, Merge
from handlers.compose import ListPageCb, compose, page_count
from tests.flows.harness import said

READER = User(id=UserId(1), tg_id=TelegramId(10), name="Sergey", role=Role.SELLER, language="ru")
KINDS = ("reminder", "stall", "escalation", "agenda", "nps")


def entry(kind: str, n: int, buttons: int = 1) -> Entry:
    row = tuple({"text": f"✅ {n}", "callback_data": f"le:d:{n}"} for _ in range(buttons))
    return Entry(kind=kind, text=f"• {kind} {n}", buttons=(row,), ref=f"task:{n}:0")


def labels(markup: dict[str, Any] | None) -> list[str]:
    return [b["text"] for row in (markup or {}).get("inline_keyboard", []) for b in row]


def test_reminders_due_together_are_counted_in_their_section_title():
    text, markup = compose(READER, [entry("reminder", n) for n in range(3)], Merge.TOGETHER)
    assert text.splitlines() == [
        f"<b>{said('compose.kind.reminder', count=3)}</b>",
        "• reminder 0",
        "• reminder 1",
        "• reminder 2",
    ]
    assert labels(markup) == ["✅ 0", "✅ 1", "✅ 2"]


def test_a_long_list_shows_ten_with_their_buttons_and_turns_its_pages_in_place():
    stalls = [entry("stall", n) for n in range(26)]
    text, markup = compose(READER, stalls, Merge.TOGETHER)
    assert text.startswith(f"<b>{said('compose.kind.stall', count=26)}</b>")
    assert [line for line in text.splitlines() if line.startswith("•")] == [
        f"• stall {n}" for n in range(10)
    ]
    assert labels(markup) == [*(f"✅ {n}" for n in range(10)), "◀", "1/3", "▶"]
    assert markup is not None
    turner = [b["callback_data"] for b in markup["inline_keyboard"][-1]]
    assert turner == [ListPageCb(page=p).pack() for p in (0, 0, 1)]
    text, markup = compose(READER, stalls, Merge.TOGETHER, page=2)
    assert text.startswith(f"<b>{said('compose.kind.stall', count=26)}</b>")  # the whole list
    assert text.count("• stall") == 6 and "• stall 25" in text
    assert labels(markup)[-3:] == ["◀", "3/3", "▶"]
    # A page past the end (a list that got shorter since) shows the last one.
    assert compose(READER, stalls, Merge.TOGETHER, page=7) == (text, markup)
    assert page_count(stalls, Merge.TOGETHER) == 3


def test_a_list_that_fits_one_page_has_no_page_turner():
    _, markup = compose(READER, [entry("reminder", n) for n in range(10)], Merge.TOGETHER)
    assert "1/1" not in labels(markup) and "▶" not in labels(markup)


def test_after_an_outage_the_header_says_what_waited_and_reads_well_for_one_entry():
    text, _ = compose(READER, [entry("reminder", 1)], Merge.OUTAGE)
    assert text.startswith(said("compose.outage", summary=said.n("compose.n.reminder", 1)) + "\n")
    text, _ = compose(
        READER,
        [*(entry("reminder", n) for n in range(7)), entry("stall", 8), entry("stall", 9)],
        Merge.OUTAGE,
    )
    first = text.splitlines()[0]
    summary = f"{said.n('compose.n.reminder', 7)}, {said.n('compose.n.stall', 2)}"
    assert first == said("compose.outage", summary=summary)


def test_what_the_hourly_cap_held_is_summarised_as_such():
    text, _ = compose(READER, [entry("escalation", 1), entry("reminder", 2)], Merge.HELD)
    summary = f"{said.n('compose.n.reminder', 1)}, {said.n('compose.n.escalation', 1)}"
    assert text.splitlines()[0] == said("compose.held", summary=summary)


def test_sections_go_agenda_first_then_reminders_then_stalls():
    agenda = Entry(kind="agenda", text="☀️ Sergey, план на сегодня:\n…")
    text, _ = compose(READER, [entry("stall", 1), agenda, entry("reminder", 2)], Merge.TOGETHER)
    reminders, stalls = said.part("compose.kind.reminder"), said.part("compose.kind.stall")
    assert text.index("☀️") < text.index(reminders) < text.index(stalls)


def test_an_english_reader_reads_english_and_no_reader_russian():
    english = replace(READER, language="en")
    text, _ = compose(english, [entry("reminder", 1), entry("stall", 2)], Merge.OUTAGE)
    en = said.of("en")
    summary = f"{en.n('compose.n.reminder', 1)}, {en.n('compose.n.stall', 1)}"
    assert text.startswith(en("compose.outage", summary=summary))
    text, _ = compose(None, [entry("nps", 1)], Merge.TOGETHER)
    assert text.startswith(f"<b>{said('compose.kind.other', count=1)}</b>")


entries = st.lists(
    st.builds(
        Entry,
        kind=st.sampled_from(KINDS),
        text=st.text(min_size=1, max_size=900),
        buttons=st.lists(
            st.lists(
                st.fixed_dictionaries({"text": st.just("b"), "callback_data": st.just("x")}),
                min_size=1,
                max_size=3,
            ).map(tuple),
            max_size=12,
        ).map(tuple),
    ),
    max_size=200,
)


@settings(max_examples=150, deadline=None)
@given(entries=entries, why=st.sampled_from(Merge))
def test_every_page_of_any_list_keeps_within_telegrams_limits(entries, why):
    for page in range(page_count(entries, why)):
        text, markup = compose(READER, entries, why, page)
        assert len(text) <= 4096
        assert len(labels(markup)) <= 100


@settings(max_examples=30, deadline=None)
@given(n=st.integers(min_value=1, max_value=200), kind=st.sampled_from(KINDS[:3]))
def test_every_entry_is_on_exactly_one_page_in_order(n, kind):
    items = [entry(kind, i, buttons=3) for i in range(n)]
    seen = []
    for page in range(page_count(items, Merge.TOGETHER)):
        text, _ = compose(READER, items, Merge.TOGETHER, page)
        on_page = [line for line in text.splitlines() if line.startswith("• ")]
        assert 1 <= len(on_page) <= 10
        seen += on_page
    assert seen == [f"• {kind} {i}" for i in range(n)]


def test_the_jobs_import_no_telegram_layer():
    """The scheduler and every job, imported alone, pull in no module of `handlers`: the
    notifier comes in through JobContext (import-linter checks the same statically)."""
    code = (
        "import sys, bot.jobs.scheduler\n"
        "bad = [m for m in sys.modules if m == 'handlers' or m.startswith('handlers.')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
