"""Messages for people from the layers that know no language: English text with named fields,
put into the reader's language where it is shown (render/i18n.py `text`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    template: str  # English, with {named} fields; the msgid of its translations
    values: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template.format(**self.values)


def message(template: str, **values: Any) -> Message:
    """A message; `template` is a literal, so that the catalogue tools find it."""
    return Message(template, values)
