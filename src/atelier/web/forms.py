"""Forms on the pages: what was typed, and what is wrong with it next to each field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError

from atelier.web.render import Reader


@dataclass
class FormState:
    """A form as the reader last sent it: values kept, errors by field name, one message for the rest."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None

    @classmethod
    def of(cls, sent: Mapping[str, object]) -> FormState:
        return cls(values={k: v for k, v in sent.items() if isinstance(v, str) and k != "csrf_token"})

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors and self.message is None


def explain(error: ValidationError, reader: Reader, fields: Mapping[str, str]) -> dict[str, str]:
    """Pydantic's complaints as ``{form field: message}``; ``fields`` maps a model path (``repeat.until``)
    to the form field that fed it. Anything unmapped goes under ``""`` (the form's own message)."""
    found: dict[str, str] = {}
    for problem in error.errors():
        path = ".".join(str(part) for part in problem["loc"])
        name = fields.get(path, fields.get(path.split(".")[0], ""))
        message = problem["msg"].removeprefix("Value error, ")
        found.setdefault(name, reader.t(message))
    return found
