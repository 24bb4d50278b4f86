"""glibc's malloc told to keep two arenas, not one for each thread that allocates (issue 15).

By default glibc gives every thread that calls malloc while another holds an arena a new one,
up to 8 per core, and each keeps what it once held. The bot's threads are aiosqlite's, one per
pooled connection, and the workers that draw a chart or write a file: with their own arenas
the process held 6 MB more after 1,000 updates (`benchmarks/startup.py`). Python's small
objects come from its own allocator under the GIL, so two arenas (the event loop's, and one
the threads share) cost no contention worth measuring.
"""

from __future__ import annotations

import os
import sys

M_ARENA_MAX = -8  # glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Before the first thread starts; False where the C library has no such setting (musl,
    macOS) or the operator set MALLOC_ARENA_MAX, which glibc has already read."""
    if not sys.platform.startswith("linux") or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    import ctypes  # 0.4 MB, for one call

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))
