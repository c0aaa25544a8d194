"""Who may write events and read claims: bearer tokens, their scopes, and checking them.

Tokens come from SLA_MONITOR_API_TOKENS (comma-separated secrets: full access, named
`env-1`, `env-2`, ...) and from an optional token file, TOML, that holds no secret, only
each token's SHA-256, with a name for the logs and optional scopes:

    [[tokens]]
    name = "lapak-asik-online"
    sha256 = "9f86d0..."            # sha256 of the secret, hex (`sla-monitor token hash`)
    scopes = ["write"]              # write, read (default: both)
    channels = ["online"]           # optional: only events of these channels
    branches = ["JKT", "BDG"]       # optional: only events of these branches

A presented token is hashed and compared with every known digest in constant time, so
neither the comparison nor the number of tokens tells an attacker how close a guess was.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import tomllib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIN_SECRET_LENGTH = 16
SCOPES = ("write", "read")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class TokenError(ValueError):
    """A token setting that cannot be used; the message names the source and the entry."""


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


@dataclass(frozen=True)
class Token:
    name: str  # what logs show; the secret never appears anywhere
    sha256: bytes
    scopes: frozenset[str] = frozenset(SCOPES)
    channels: frozenset[str] | None = None  # None: every channel
    branches: frozenset[str] | None = None  # None: every branch

    def refusal(self, *, channel: str | None, branch_code: str | None) -> str | None:
        """Why this token may not write or read a claim of this channel and branch, if so.

        An unknown channel or branch (an event for a claim not submitted yet, naming
        neither) is refused to a scoped token: it could belong to anyone.
        """
        for what, value, allowed in (
            ("channel", channel, self.channels),
            ("branch_code", branch_code, self.branches),
        ):
            if allowed is None:
                continue
            permitted = ", ".join(sorted(allowed))
            if value is None:
                return (
                    f"token {self.name!r} may only write {what} {permitted}; the claim is not "
                    f"submitted yet and this event gives no {what}: include it"
                )
            if value not in allowed:
                return f"token {self.name!r} may only write {what} {permitted}, not {value!r}"
        return None


def tokens_from_env(text: str) -> list[Token]:
    secrets = [part.strip() for part in text.split(",") if part.strip()]
    tokens = []
    for number, secret in enumerate(secrets, start=1):
        if len(secret) < MIN_SECRET_LENGTH:
            raise TokenError(
                f"SLA_MONITOR_API_TOKENS: token {number} is {len(secret)} characters long; "
                f"use at least {MIN_SECRET_LENGTH} random characters (e.g. `openssl rand -hex 32`)"
            )
        tokens.append(Token(f"env-{number}", digest(secret)))
    return tokens


def load_token_file(
    path: Path, *, channels: Collection[str], branches: Collection[str]
) -> list[Token]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TokenError(f"{path}: cannot be read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TokenError(f"{path}: not valid TOML: {exc}") from None
    entries = data.get("tokens")
    unknown = sorted(set(data) - {"tokens"})
    if unknown or not isinstance(entries, list):
        raise TokenError(f"{path}: expected only [[tokens]] tables, found {unknown or data}")
    tokens = [
        _token(entry, f"{path}: tokens[{index}]", channels, branches)
        for index, entry in enumerate(entries)
    ]
    names = [t.name for t in tokens]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise TokenError(f"{path}: token name(s) {', '.join(twice)} used twice")
    return tokens


def _token(entry: Any, where: str, channels: Collection[str], branches: Collection[str]) -> Token:
    if not isinstance(entry, dict):
        raise TokenError(f"{where}: must be a table")
    unknown = sorted(set(entry) - {"name", "sha256", "scopes", "channels", "branches"})
    if unknown:
        raise TokenError(f"{where}: unknown key(s) {', '.join(unknown)}")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise TokenError(f"{where}: 'name' must be 1-64 letters, digits, '.', '_' or '-'")
    sha = entry.get("sha256")
    if not isinstance(sha, str) or not _HEX64.match(sha):
        raise TokenError(f"{where} ({name}): 'sha256' must be 64 lowercase hex digits")
    scopes = _names(entry.get("scopes", list(SCOPES)), SCOPES, f"{where} ({name}): scopes")
    chosen_channels = _optional(entry, "channels", channels, f"{where} ({name})")
    chosen_branches = _optional(entry, "branches", branches, f"{where} ({name})")
    return Token(name, bytes.fromhex(sha), scopes, chosen_channels, chosen_branches)


def _optional(
    entry: dict[str, Any], key: str, known: Collection[str], where: str
) -> frozenset[str] | None:
    if key not in entry:
        return None
    return _names(entry[key], known, f"{where}: {key}")


def _names(value: Any, known: Collection[str], where: str) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise TokenError(f"{where} must be a non-empty list of strings")
    strange = sorted(set(value) - set(known))
    if strange:
        raise TokenError(f"{where}: unknown {', '.join(strange)}")
    return frozenset(value)


class Authenticator:
    def __init__(self, tokens: Iterable[Token]):
        self.tokens = list(tokens)

    def identify(self, presented: str | None) -> Token | None:
        """The token whose secret this is; every digest is compared, whatever matches."""
        if not presented:
            return None
        candidate = digest(presented)
        found = None
        for token in self.tokens:
            if hmac.compare_digest(candidate, token.sha256):
                found = token
        return found
