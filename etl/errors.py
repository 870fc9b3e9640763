"""Input errors that name the file, line, field, the problem and the fix."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class InputError:
    file: str
    line: int
    field: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.problem} — {self.fix}"


class Unusable(ValueError):
    """A value the ETL cannot use, with what is wrong and how to fix it."""

    def __init__(self, problem: str, fix: str):
        super().__init__(problem)
        self.problem, self.fix = problem, fix


class InputErrors(Exception):
    """Raised once with every input error of a run."""

    def __init__(self, errors: list[InputError]):
        self.errors = sorted(set(errors))
        super().__init__(f"{len(self.errors)} input error(s)")

    def report(self) -> str:
        lines = [str(error) for error in self.errors]
        count = len(self.errors)
        lines.append(f"{count} error{'s' if count != 1 else ''} in the inputs: nothing was published.")
        return "\n".join(lines)


class PackageError(Exception):
    """A package that cannot be made or published: the message says what is wrong and how to fix it."""
