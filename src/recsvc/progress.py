"""Training progress shown on a terminal: one bar per stage, with the time each stage took."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["RichTrainProgress"]


class RichTrainProgress:
    """Renders the trainer's stage events (the ``TrainProgress`` protocol) with rich."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description:<18}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        self._current: str | None = None

    def __enter__(self) -> RichTrainProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def stage_started(self, name: str, total: int | None) -> None:
        self._current = name
        self._tasks[name] = self._progress.add_task(name, total=total)

    def stage_advanced(self, n: int) -> None:
        if self._current is not None:
            self._progress.advance(self._tasks[self._current], n)

    def stage_finished(self, name: str, seconds: float) -> None:
        task = self._tasks.get(name)
        if task is None:
            return
        total = self._progress.tasks[task].total
        self._progress.update(
            task,
            total=total or 1,
            completed=total or 1,
            description=f"{name} ({seconds:.1f} s)",
        )
        self._current = None
