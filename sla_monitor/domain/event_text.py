"""What a text field of an event may hold, and how values are quoted in a rejection: a
message must stay short, valid UTF-8 and safe to log, whatever the sender put in."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # a reason may hold tabs and newlines


def is_plain_text(value: str, *, max_len: int, multiline: bool = False) -> bool:
    """1 to max_len characters, no control characters, and storable as UTF-8 (no lone
    surrogate, which JSON's \\ud800 escapes can smuggle in)."""
    if not value or len(value) > max_len:
        return False
    if (_CONTROL_IN_TEXT if multiline else _CONTROL).search(value):
        return False
    return value.isascii() or _encodable(value)


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(value: object, width: int = 40) -> str:
    """A value quoted in a message: repr, escaped, cut; never fails, whatever its size."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        text = f"<{type(value).__name__} too large to show>"
    return text[:width]


def field_name(key: object) -> str:
    """A field name quoted in a message, safe to return as JSON and to log."""
    return str(key).encode("utf-8", "backslashreplace").decode("utf-8")[:64]


def text_field(
    key: str, value: object, *, max_len: int, required: bool, multiline: bool = False
) -> str | None:
    """The value of field `key` if it is text the field may hold; None if not given."""
    if value is None:
        if required:
            raise ValueError(f"'{key}' is required")
        return None
    # The common case, printable ASCII within the length, in three C calls: for ASCII text,
    # isprintable() is False exactly for the control characters refused below.
    if type(value) is str and 0 < len(value) <= max_len and value.isascii() and value.isprintable():
        return value
    if not isinstance(value, str):
        raise ValueError(f"'{key}' must be a string, got {type(value).__name__} {shown(value)}")
    if not value or len(value) > max_len:
        raise ValueError(f"'{key}' must be 1 to {max_len} characters long, got {len(value)}")
    if (_CONTROL_IN_TEXT if multiline else _CONTROL).search(value):
        raise ValueError(f"'{key}' contains a control character")
    if not (value.isascii() or _encodable(value)):
        raise ValueError(f"'{key}' contains a lone surrogate, which is not a character")
    return value
