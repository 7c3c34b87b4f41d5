"""The errors seoulcal raises.

Every error is a :class:`SeoulcalError`. A message names what is wrong (the file, the item and the
field), the value that was refused, and how to fix it, so that trip staff can act on it without
reading code.
"""

from __future__ import annotations

__all__ = [
    "ExportError",
    "NotFoundError",
    "Problem",
    "PublishError",
    "SeoulcalError",
    "TripError",
]

from dataclasses import dataclass


class SeoulcalError(Exception):
    """The root of every error seoulcal raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a trip: where it is and what to do about it."""

    where: str
    """The item and field, for example ``events[3] "sphere-visit" → time.end``."""

    message: str
    """What is wrong, with the refused value and the fix."""

    def __str__(self) -> str:
        """Render as ``where: message``."""
        return f"{self.where}: {self.message}" if self.where else self.message


class TripError(SeoulcalError):
    """A trip (from a file or from Python) is invalid.

    :attr:`problems` lists every problem found, not only the first, so that one run of
    ``seoulcal check`` shows everything to fix.
    """

    def __init__(self, problems: list[Problem], *, source: str | None = None) -> None:
        """Collect *problems*; *source* names the file they come from, if any."""
        self.problems = tuple(problems)
        self.source = source
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"{self.source}: " if self.source else ""
        count = len(self.problems)
        if count == 1:
            return f"{head}invalid trip: {self.problems[0]}"
        lines = [f"{head}invalid trip ({count} problems):"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)


class NotFoundError(SeoulcalError, LookupError):
    """A member, event or venue id that the trip does not have."""


class ExportError(SeoulcalError):
    """A calendar could not be produced correctly, so none was produced."""


class PublishError(SeoulcalError):
    """A site could not be built or published; the previous site is left as it was."""
