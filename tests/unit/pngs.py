"""Reading a chart's PNG in tests: its signature and size, drawn with every warning an error."""

from __future__ import annotations

import struct
import warnings
from collections.abc import Callable
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def strictly(fn: Callable[..., bytes], *args: Any, **kwargs: Any) -> bytes:
    """Draw with any warning ("Glyph ... missing from font" above all) raised as an error,
    even if the pytest configuration ever stops turning warnings into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)
