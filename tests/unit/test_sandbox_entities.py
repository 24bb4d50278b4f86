"""The sandbox reads HTML the way Telegram does: the allowed tags, escapes, lengths."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.entities import BadRequest, check_markup, check_text, plain_text


@given(st.text(min_size=1, max_size=300))
def test_any_escaped_text_parses_back_to_itself(text: str) -> None:
    assert plain_text(html.escape(text, quote=False), "HTML") == text


@given(st.text(max_size=50), st.sampled_from(["b", "i", "u", "s", "code", "pre", "tg-spoiler"]))
def test_allowed_tags_wrap_text_and_vanish(text: str, tag: str) -> None:
    assert plain_text(f"<{tag}>{html.escape(text)}</{tag}>", "HTML") == text


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'start tag "i"'),
        ("x</b>", "Unmatched end tag"),
        ("<br/>", 'Unsupported start tag "br"'),
        ("<a>x</a>", "Can't find end of a URL"),
    ],
)
def test_html_telegram_refuses_is_a_400(raw: str, problem: str) -> None:
    with pytest.raises(BadRequest) as error:
        plain_text(raw, "HTML")
    assert error.value.description.startswith("Bad Request: can't parse entities: ")
    assert problem in error.value.description


def test_without_a_parse_mode_tags_are_plain_text() -> None:
    assert plain_text("<div>", None) == "<div>"


def test_limits_count_what_the_user_sees() -> None:
    assert check_text("&amp;" * 4096, "HTML") == "&" * 4096
    with pytest.raises(BadRequest, match="message is too long"):
        check_text("&amp;" * 4097, "HTML")
    with pytest.raises(BadRequest, match="message text is empty"):
        check_text("<b> </b>", "HTML")
    assert check_text(None, "HTML", caption=True) == ""
    with pytest.raises(BadRequest, match="caption is too long"):
        check_text("x" * 1025, None, caption=True)


def test_callback_data_is_one_to_64_bytes() -> None:
    def markup(data: str) -> dict[str, object]:
        return {"inline_keyboard": [[{"text": "Go", "callback_data": data}]]}

    assert check_markup(markup("я" * 32)) is not None
    for bad in ("я" * 33, ""):
        with pytest.raises(BadRequest, match="BUTTON_DATA_INVALID"):
            check_markup(markup(bad))
