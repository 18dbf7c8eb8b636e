"""A progress bar for long work (rebuild, import, audit, demo): drawn on a terminal, silent otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from projections.runner import Progress


def progress_bar(label: str, stream: TextIO | None = None, width: int = 30) -> Progress:
    """A callback ``(done, total)`` drawing ``label [####    ] 40% 400/1000`` on a TTY; a no-op elsewhere."""
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        return lambda done, total: None
    last = [0.0]

    def draw(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < 0.1:
            return  # redrawing more than ten times a second only slows the work down
        last[0] = now
        fraction = done / total if total else 1.0
        filled = int(width * fraction)
        out.write(f"\r{label} [{'#' * filled}{' ' * (width - filled)}] {fraction:4.0%} {done}/{total}")
        if done >= total:
            out.write("\n")
        out.flush()

    return draw
