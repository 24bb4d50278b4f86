"""The look every chart shares: size, font, colours, title, 'no data' and PNG output.

Fonts and sizes are set on each text rather than through rcParams, which are process-global
and would race when two charts render at once in `render()` threads.
"""

from __future__ import annotations

import struct
import textwrap
import zlib
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from bot.domain.metrics import round_half_away

if TYPE_CHECKING:  # matplotlib and Pillow load with the first chart, in its render() thread
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH = 8.0  # inches
HEIGHT = 4.6
FIGSIZE = (WIDTH, HEIGHT)
DPI = 150  # 1200 × 690 px: full width of a chat bubble, sharp without a tap to zoom

# DejaVu Sans ships inside matplotlib and has Cyrillic, so no system font is needed.
FONT = "DejaVu Sans"
GREEN = "#2e9e5b"
AMBER = "#f0a202"
RED = "#d64541"
BLUE = "#2f6fde"
INK = "#1f2328"
MUTED = "#6e7781"
GRID = "#d8dee4"
GAP = "#f3f4f6"
TRACK = "#e4e8ec"  # the plan a fact bar fills

# Every text gets these: our font, and "$" read as a dollar, never as mathtext.
TEXT: dict[str, Any] = {"fontfamily": FONT, "parse_math": False}

NBSP = "\u00a0"
MINUS = "\u2212"
ELLIPSIS = "\u2026"
_TITLE_CHARS = 60  # what fits one line of the bold title at this width
_MARGIN = 10 / 72  # inches
_TICK_PAD = 3.5  # points between the axes and a tick label: matplotlib's default


def new_figure(height: float = HEIGHT) -> tuple[Figure, Axes]:
    """A white figure of the chat's width with one axes, fitted to its texts by `to_png`."""
    from matplotlib.figure import Figure

    from bot.reports.text_render import Canvas

    fig = Figure(figsize=(WIDTH, height), dpi=DPI, facecolor="white")
    Canvas(fig)  # Agg, with the texts set by Pillow: see text_render
    return fig, fig.add_subplot()


def to_png(fig: Figure) -> bytes:
    """The figure drawn once and saved as an 8-bit RGBA PNG at zlib level 1. The alpha is
    opaque everywhere (the face is white, `new_figure`), but Agg's buffer goes into the PNG
    as it is: dropping the alpha took Pillow two copies of the picture (the 30-seller chart
    is 2.6 megapixels), more than it saved in compression."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    _fit(fig)
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    canvas.draw()  # type: ignore[no-untyped-call]
    width, height = canvas.get_width_height(physical=True)
    return _png(width, height, canvas.buffer_rgba())  # type: ignore[no-untyped-call]


def _png(width: int, height: int, rgba: memoryview) -> bytes:
    """A PNG of `height` rows of `width` RGBA pixels, written here rather than by Pillow:
    Pillow tries every filter on every row, 40 ms for the 30-seller chart even at zlib level
    1, where no filter and level 1 take under 20 ms (charts are flat colour: the file is
    ~290 KiB). Row by row, as PNG wants a filter byte before each, without copying them."""
    per_metre = round(DPI / 0.0254)
    pixels = rgba.cast("B")
    stride = 4 * width
    deflate = zlib.compressobj(1)
    no_filter = b"\0"
    data = []
    for start in range(0, height * stride, stride):
        data.append(deflate.compress(no_filter))
        data.append(deflate.compress(pixels[start : start + stride]))
    data.append(deflate.flush())

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),  # RGBA
            chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),  # DPI, for viewers
            chunk(b"IDAT", b"".join(data)),
            chunk(b"IEND", b""),
        )
    )


def _fit(fig: Figure) -> None:
    """Place the one axes so that its labels, title and legend fit inside the picture with a
    margin, and put the figure's title at the top: what matplotlib's constrained layout did
    for these charts, from one measurement of the texts. Constrained layout measured every
    text twice and then drew the whole figure once more to lay it out before the real draw:
    half the time of a 30-seller chart. The legend (anchored at the picture's left edge, see
    `heading`) counts for the height only."""
    to_figure = fig.transFigure.inverted().transform_bbox
    w_pad, h_pad = _MARGIN / fig.get_figwidth(), _MARGIN / fig.get_figheight()
    top = 1.0
    for text in fig.texts:  # the title of `heading`, at the top edge
        text.set_y(1 - h_pad)
        top = min(top, 1 - to_figure(text.get_window_extent()).height - 2 * h_pad)
    [ax] = fig.axes
    legend = ax.get_legend()
    if legend is not None:
        legend.set_in_layout(False)
    # Twice: a label placed by data (the percent beyond a bar) sticks out further once the
    # axes have narrowed to make room, so the second measurement settles it (the plan/fact
    # chart's longest bar lost the end of its amount to the picture's edge with one).
    for _ in range(2):
        pos = ax.get_position()
        tight = ax.get_tightbbox(for_layout_only=True)
        if tight is None:  # nothing drawn: the default place
            return
        box = to_figure(tight)
        above = box.y1
        if legend is not None:
            above = max(above, to_figure(legend.get_window_extent()).y1)
        # What sticks out of the axes on each side (never less than nothing, as with the
        # layout engine: a "no data" text in the middle leaves the axes the whole picture).
        left = w_pad + max(0.0, pos.x0 - box.x0)
        right = 1 - w_pad - max(0.0, box.x1 - pos.x1)
        bottom = h_pad + max(0.0, pos.y0 - box.y0)
        upper = top - h_pad - max(0.0, above - pos.y1)
        ax.set_position((left, bottom, right - left, upper - bottom))


def set_title(ax: Axes, title: str, *, pad: float = 12) -> None:
    ax.set_title(
        "\n".join(textwrap.wrap(title, _TITLE_CHARS)) or title,
        loc="left",
        fontsize=15,
        fontweight="bold",
        color=INK,
        pad=pad,
        **TEXT,
    )


def bare(ax: Axes, *, labelsize: float = 11) -> None:
    """No frame and no tick marks: the grid and the labels carry the scale."""
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0, labelsize=labelsize, labelcolor=INK, labelfontfamily=FONT)


def tick_labels(
    ax: Axes,
    axis: Literal["x", "y"],
    positions: Sequence[float],
    labels: Sequence[str],
    *,
    size: float,
    color: str = INK,
) -> None:
    """Labels where matplotlib puts tick labels (left of or under the axes, its 3.5-point pad
    and alignment), drawn as plain texts, without ticks: a tick is a dozen objects to build and
    draw, a third of a month-labelled chart's time. The picture is the same pixel for pixel."""
    if axis == "x":
        ax.set_xticks([])
        transform, va, ha = ax.get_xaxis_text1_transform(_TICK_PAD)
    else:
        ax.set_yticks([])
        transform, va, ha = ax.get_yaxis_text1_transform(_TICK_PAD)
    for at, label in zip(positions, labels, strict=True):
        x, y = (at, 0) if axis == "x" else (0, at)
        ax.text(
            x,
            y,
            label,
            transform=transform,
            va=va,
            ha=ha,
            fontsize=size,
            color=color,
            clip_on=False,
            **TEXT,
        )


def heading(fig: Figure, ax: Axes, title: str, entries: Sequence[tuple[Any, str]]) -> None:
    """The title and one row of legend at the picture's left edge, whatever the axes' labels."""
    from matplotlib.transforms import blended_transform_factory

    fig.suptitle(
        "\n".join(textwrap.wrap(title, _TITLE_CHARS)) or title,
        x=0.012,
        ha="left",
        fontsize=15,
        fontweight="bold",
        color=INK,
        **TEXT,
    )
    if not entries:
        return
    # The axes' own legend just above the plot, so the layout makes room for it under the
    # title, but at the picture's left edge rather than at the axes' (x in figure units).
    legend = ax.legend(
        [handle for handle, _ in entries],
        [label for _, label in entries],
        loc="lower left",
        bbox_to_anchor=(0.004, 1.0),
        bbox_transform=blended_transform_factory(fig.transFigure, ax.transAxes),
        borderaxespad=0.6,
        ncols=len(entries),
        frameon=False,
        prop={"family": FONT, "size": 12},
        handlelength=1.8,
        columnspacing=1.6,
    )
    for text in legend.get_texts():
        text.set_parse_math(False)
        text.set_color(INK)


def show_no_data(ax: Axes, text: str) -> None:
    """The explicit 'nothing to show' look: the text on a white patch in the middle."""
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        fontsize=15,
        color=MUTED,
        transform=ax.transAxes,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 8},
        **TEXT,
    )


def shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters, cut with an ellipsis."""
    folded = " ".join(text.split())
    if len(folded) <= limit:
        return folded
    return folded[: limit - 1].rstrip() + ELLIPSIS


def is_english(lang: str) -> bool:
    return lang.lower().split("-")[0] == "en"


def percent(share: Fraction | float, lang: str) -> str:
    """0.456 → '46 %' (ru, with a no-break space) or '46%' (en); a sliver shows as '<1 %'.

    Halves round away from zero, as the digest's texts do; pass a Fraction to be exact.
    """
    shown = round_half_away(Fraction(share) * 100)
    gap = "" if is_english(lang) else NBSP
    if shown == 0 and share > 0:
        return f"<1{gap}%"
    number = f"{MINUS}{-shown}" if shown < 0 else str(shown)
    return f"{number}{gap}%"


def group(n: int, lang: str) -> str:
    """12345 → '12 345' (ru, no-break space) or '12,345' (en)."""
    grouped = f"{n:,}"
    return grouped if is_english(lang) else grouped.replace(",", NBSP)
