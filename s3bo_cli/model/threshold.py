"""The task-failure threshold: the service's rule, and how a local job may change it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class FailureThreshold:
    """A job fails once ``min_tasks`` tasks ran and more than ``fraction`` of them failed.

    The default is the service's: more than 50% once 1,000 tasks have run.
    """

    fraction: float = 0.5
    min_tasks: int = 1000

    @classmethod
    def of(cls, settings: Mapping[str, Any] | None) -> FailureThreshold:
        """From a job's engine settings (``{"fraction": ..., "min_tasks": ...}``)."""
        settings = settings or {}
        default = cls()
        return cls(
            fraction=float(settings.get("fraction", default.fraction)),
            min_tasks=int(settings.get("min_tasks", default.min_tasks)),
        )

    @classmethod
    def parse(cls, text: str) -> FailureThreshold:
        """``25%``, ``25%:100`` or ``none``; ValueError says what is wrong."""
        if text.strip().lower() == "none":
            return cls(fraction=1.0, min_tasks=0)
        percent, _, minimum = text.partition(":")
        try:
            fraction = float(percent.strip().rstrip("%")) / 100
            min_tasks = int(minimum) if minimum else cls().min_tasks
        except ValueError:
            raise ValueError(f"expected PERCENT[:MIN_TASKS] or none, not {text!r}") from None
        if not 0 <= fraction <= 1 or min_tasks < 1:
            raise ValueError("PERCENT must be 0-100 and MIN_TASKS at least 1")
        return cls(fraction=fraction, min_tasks=min_tasks)

    def settings(self) -> dict[str, Any]:
        """As a job's engine settings keep it."""
        return asdict(self)

    def exceeded(self, ran: int, failed: int) -> bool:
        return ran > 0 and ran >= self.min_tasks and failed / ran > self.fraction

    def __str__(self) -> str:
        return f"more than {self.fraction:.0%} of tasks failed once {self.min_tasks} have run"
