"""The one progress bar of specref's long loops (``specref verify``, ``specref compare``, training): rich's,
on stderr, removed when done, off when ``enabled`` is False."""

from __future__ import annotations

from contextlib import contextmanager

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(label: str, total: int, *, enabled: bool = True, width: int = 28):
    """``with progress_bar("verify", n) as step: step(description)`` advances the bar by one entry per call
    and shows ``description`` (cut to ``width`` characters) beside ``label``."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(f"[bold]{label}[/bold] {{task.description:<{width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not enabled,
    ) as bar:
        task = bar.add_task("", total=total)

        def describe(description: str = "", *, advance: int = 1) -> None:
            bar.update(task, description=str(description)[:width], advance=advance)

        yield describe
