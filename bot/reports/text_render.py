"""Chart texts measured and drawn by Pillow's FreeType instead of matplotlib's.

Matplotlib 3.11 lays a text out glyph by glyph (about 30 µs a glyph to measure it and as
much again to draw it, plus Python for every glyph); Pillow renders a whole string in one
call, about 20 times faster, from the same font file. The 30-seller plan/fact picture has
about 950 glyphs: its texts were half of its render time.

Only what Pillow draws the same way takes this path: plain (not math) horizontal,
antialiased text whose every character the font has. Anything else, above all a character
the font lacks, goes to matplotlib's own path, which picks a fallback font or warns
"Glyph ... missing from font" as before (the tests turn that warning into an error).

This module imports matplotlib: import it only inside a chart's render, never at start.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.font_manager import FontProperties, findfont, get_font
from PIL import Image, ImageDraw, ImageFont

# A FreeType face is not safe to use from two threads at once, and two charts may render
# at once in `render()` threads; each call under the lock is a fraction of a millisecond.
_FREETYPE = threading.Lock()


# Below U+0300 (Latin, Cyrillic without combining marks, Greek) a string needs no shaping:
# Pillow's basic layout (FreeType's advances and kerning) sets it in a third of the time
# that Raqm takes; anything else (Arabic, Hebrew, combining marks, ...) is shaped by Raqm.
_NO_SHAPING = "\u0300"


@lru_cache(maxsize=64)
def _pillow_font(path: str, pixels: float, shaped: bool) -> ImageFont.FreeTypeFont:
    # None: Raqm where Pillow has it (else basic, without a warning).
    engine = None if shaped else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, pixels, layout_engine=engine)


@lru_cache(maxsize=16)
def _characters(path: str) -> frozenset[int]:
    """The code points the font file has a glyph for."""
    return frozenset(get_font(path).get_charmap())


@lru_cache(maxsize=64)
def _height_metrics(path: str, points: float, dpi: float) -> tuple[float | None, ...]:
    """The ascent, descent and line gap matplotlib's text layout reads from the font's tables
    (OS/2, else hhea), in pixels, as `Text._get_layout` computes them."""
    font = get_font(path)
    head, os2, hhea = (
        font.get_sfnt_table("head"),
        font.get_sfnt_table("OS/2"),
        font.get_sfnt_table("hhea"),
    )
    if head is None:
        return None, None, None
    scale = points * dpi / 72 / head["unitsPerEm"]
    if os2 is not None:
        return (
            os2["sTypoAscender"] * scale,
            -os2["sTypoDescender"] * scale,
            os2["sTypoLineGap"] * scale,
        )
    if hhea is not None:
        return hhea["ascent"] * scale, -hhea["descent"] * scale, hhea["lineGap"] * scale
    return None, None, None


class Renderer(RendererAgg):
    """Agg, with the texts Pillow can draw drawn and measured by Pillow."""

    def _get_font_height_metrics(self, prop: FontProperties) -> tuple[float | None, ...]:
        """Matplotlib 3.11 asks a renderer for these first, and otherwise opens the font and
        reads its tables again for every text at every measurement (a tenth of the 30-seller
        chart's time); they depend only on the font and its size."""
        return _height_metrics(findfont(prop), prop.get_size_in_points(), self.dpi)

    def _font(self, text: str, prop: FontProperties) -> ImageFont.FreeTypeFont | None:
        path = findfont(prop)
        have = _characters(path)
        if not all(ord(char) in have for char in text):
            return None
        shaped = bool(text) and max(text) >= _NO_SHAPING
        return _pillow_font(path, prop.get_size_in_points() * self.dpi / 72, shaped)

    def get_text_width_height_descent(
        self, s: str, prop: FontProperties, ismath: Any
    ) -> tuple[float, float, float]:
        font = None if ismath else self._font(s, prop)
        if font is None:
            measure = super().get_text_width_height_descent
            return measure(s, prop, ismath)  # type: ignore[no-untyped-call,no-any-return]
        with _FREETYPE:
            width = font.getlength(s)
            _, top, _, bottom = font.getbbox(s, anchor="ls")
        descent = max(bottom, 0)
        return width, max(-top, 0) + descent, descent

    def draw_text(
        self,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: FontProperties,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        simple = not ismath and angle == 0 and gc.get_antialiased()
        font = self._font(s, prop) if simple else None
        if font is None:
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)  # type: ignore[no-untyped-call]
            return
        # (x, y) is the start of the baseline, y counted down from the top of the picture.
        left, top = round(x), round(y)
        with _FREETYPE:
            x0, y0, x1, y1 = (int(edge) for edge in font.getbbox(s, anchor="ls"))
            if x1 <= x0 or y1 <= y0:  # only spaces
                return
            mask = Image.new("L", (x1 - x0, y1 - y0))
            ImageDraw.Draw(mask).text((-x0, -y0), s, fill=255, font=font, anchor="ls")
        coverage = np.array(mask)  # draw_text_image wants a writable array
        # draw_text_image takes the bitmap's left edge and its bottom edge (y down).
        self._renderer.draw_text_image(coverage, left + x0, top + y1, 0, gc)


class Canvas(FigureCanvasAgg):
    """FigureCanvasAgg drawing with `Renderer`."""

    def get_renderer(self) -> Renderer:
        width, height = self.get_width_height(physical=True)
        key = width, height, self.figure.dpi
        if self._lastKey != key:
            self.renderer = Renderer(width, height, self.figure.dpi)  # type: ignore[no-untyped-call]
            self._lastKey = key
        renderer: Renderer = self.renderer
        return renderer
