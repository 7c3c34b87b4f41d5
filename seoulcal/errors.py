"""The errors seoulcal raises.

Every error is a :class:`SeoulcalError`. A message names what is wrong (the file, the item and the
field), the value that was refused, and how to fix it, so that trip staff can act on it without
reading code. The command line exits with 2 for every error but one: :class:`InternalError`
means seoulcal itself is wrong (a check of its own output failed), and exits with 1.

Messages speak of what the library was given ("the base URL", "the secret file"); the command
line says which of its options gave it.
"""

from __future__ import annotations

__all__ = [
    "DeliveryError",
    "ExportError",
    "InternalError",
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
    """A site could not be built or published; the previous site is left as it was.

    :attr:`field` names the input at fault (``"base_url"``, ``"secret_file"``, ``"jobs"``,
    ``"retention"``, ``"outdir"``), so that the command line can name its own option for it.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        """Describe the problem in *message*; *field* names the input at fault, if one is."""
        super().__init__(message)
        self.field = field


class DeliveryError(SeoulcalError):
    """Messages owed to members could not all be delivered; what was delivered is recorded."""


class InternalError(SeoulcalError, RuntimeError):
    """Something that cannot happen did: a bug in seoulcal, never the fault of the input.

    Nothing was written. The message says what failed; please report it with the trip (or the
    zone) that caused it.
    """

    def __init__(self, message: str) -> None:
        """Describe the failed check in *message*."""
        super().__init__(f"internal error (a bug in seoulcal, please report it): {message}")
