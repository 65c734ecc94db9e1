"""How far long work has come, on standard error: a bar on a terminal, a line every few seconds
in a log. Pure: no Django; the commands give it their stream (none at verbosity 0).

    progress = Progress("moments", stream=self.stderr)
    progress.start(total)
    for ...: progress.advance(1)
    progress.finish()
"""

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")
# Told how many more items long work has done: a Progress's `advance`, or `not_told`.
Advance = Callable[[int], object]
BAR_WIDTH = 30
# A terminal's bar is drawn again at most this often; a log gets a line at most this often.
BAR_EVERY_SECONDS = 0.2
LINE_EVERY_SECONDS = 5.0


class Stream(Protocol):
    def write(self, text: str) -> object: ...

    def flush(self) -> object: ...

    def isatty(self) -> bool: ...


class Progress:
    def __init__(
        self,
        unit: str,
        *,
        stream: Stream | None,
        rate_unit: str = "",
        every_seconds: float = LINE_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`unit` is what is counted toward the total; `rate_unit`, when given, what the speed
        counts instead (files done, lines per second)."""
        self.unit, self.rate_unit, self.stream, self.clock = unit, rate_unit or unit, stream, clock
        self.bar = bool(stream and stream.isatty())
        self.every = BAR_EVERY_SECONDS if self.bar else every_seconds
        self.total = self.done = self.rated = 0
        self.started = self.shown = clock()

    def start(self, total: int) -> None:
        self.total, self.done, self.rated = total, 0, 0
        self.started = self.shown = self.clock()

    def advance(self, done: int = 1, *, rated: int | None = None) -> None:
        self.done += done
        self.rated += done if rated is None else rated
        # The last count is shown once, by finish().
        if self.stream and self.done < self.total and self.clock() - self.shown >= self.every:
            self._show()

    def counted(self, items: Iterable[T]) -> Iterator[T]:
        """The items, each advancing the count as it is taken."""
        for item in items:
            yield item
            self.advance()

    def clear(self) -> None:
        """Make way for a message: a terminal's bar is erased, to be drawn again below it."""
        if self.bar and self.stream:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def finish(self) -> None:
        if self.stream:
            self._show(end="\n")

    def _show(self, end: str = "") -> None:
        self.shown = self.clock()
        text = self.describe()
        if self.bar:
            self.stream.write(f"\r{text}\x1b[K{end}")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def describe(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        share = self.done / self.total if self.total else 1.0
        parts = [
            f"{self.done:,} / {self.total:,} {self.unit} ({share:.0%})",
            f"{self.rated / elapsed:,.0f} {self.rate_unit}/s",
        ]
        if 0 < self.done < self.total:
            parts.append(f"{duration(elapsed * (self.total - self.done) / self.done)} left")
        elif self.done >= self.total:
            parts.append(f"in {duration(elapsed)}")
        text = " · ".join(parts)
        if self.bar:
            filled = round(BAR_WIDTH * min(share, 1.0))
            text = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {text}"
        return text


def not_told(done: int) -> None:
    """An `Advance` for when nobody follows the progress."""


def for_command(command, verbosity: int, unit: str, **options) -> Progress:
    """A command's progress on its standard error; silent at verbosity 0."""
    # The command's OutputWrapper ends every write with a newline: the bar needs the stream itself.
    stream = getattr(command.stderr, "_out", command.stderr) if verbosity > 0 else None
    return Progress(unit, stream=stream, **options)


def duration(seconds: float) -> str:
    """`4 s`, `2 min 05 s`, `1 h 03 min`."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
