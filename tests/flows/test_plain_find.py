"""Text typed outside any step finds deals and clients as /find does, in both languages."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.flows.conftest import join
from tests.flows.harness import Person, said


@pytest.fixture(params=["ru", "en"])
def team_language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def seller(admin: Person, person: Callable[..., Person], team_language: str) -> Person:
    newcomer = person(2000, "Sergey", team_language)
    await join(admin, newcomer, said("role.seller"))
    return newcomer


async def deal(seller: Person, line: str) -> None:
    await seller.send(f"/new {line}")
    await seller.press(said.of(seller.lang)("quick.btn.create"))


async def test_one_match_opens_its_card(seller: Person) -> None:
    await deal(seller, "ООО Ромашка 150к")
    await deal(seller, "Альфа 10к")
    await seller.send("ромаш")
    assert seller.text.startswith("💼 <b>ООО Ромашка</b>")
    assert said.of(seller.lang)("card.btn.won") in seller.card_buttons()


async def test_several_matches_are_the_list_and_none_a_polite_word(seller: Person) -> None:
    t = said.of(seller.lang)
    await deal(seller, "Альфа Строй 10к")
    await deal(seller, "Альфа Трейд 20к")
    await seller.send("альфа")
    assert seller.text.startswith(t("find.title", count=2))
    assert [b.split(" · ")[0] for b in seller.buttons()] == ["Альфа Строй", "Альфа Трейд"]
    await seller.send("Омега <b>")
    assert seller.text == t("plain.nothing", text="Омега &lt;b&gt;")


async def test_a_text_inside_a_step_is_that_steps_answer_not_a_search(seller: Person) -> None:
    t = said.of(seller.lang)
    await deal(seller, "Альфа 10к")
    await seller.press(t("card.btn.note"))
    await seller.send("Альфа")
    assert t("note.saved") in seller.texts


async def test_a_sellers_search_does_not_find_a_colleagues_deal(
    admin: Person, seller: Person, person: Callable[..., Person]
) -> None:
    await deal(seller, "Ромашка 10к")
    other = person(2001, "Olga", seller.lang)
    await join(admin, other, said("role.seller"))
    await other.send("Ромашка")
    assert other.text == said.of(other.lang)("plain.nothing", text="Ромашка")
    await admin.send("Ромашка")  # an admin sees every deal
    assert admin.text.startswith("💼 <b>Ромашка</b>")


async def test_a_long_sentence_is_not_searched(seller: Person) -> None:
    await seller.send("привет " * 20)
    assert seller.text == said.of(seller.lang)("fallback.not_understood")
