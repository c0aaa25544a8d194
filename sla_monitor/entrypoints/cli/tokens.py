"""`sla-monitor token`: bearer tokens for writers and readers."""

from __future__ import annotations

import secrets
import sys

from sla_monitor.auth import MIN_SECRET_LENGTH, digest
from sla_monitor.entrypoints.cli.app import app, fail, out
from sla_monitor.entrypoints.cli.help import SlaTyper

token_app = SlaTyper(
    help="Bearer tokens for writers and readers.",
    epilog="Example: sla-monitor token new",
    no_args_is_help=True,
)
app.add_typer(token_app, name="token")


@token_app.command("new", epilog="Example: sla-monitor token new")
def token_new() -> None:
    """Print a new random secret, and the SHA-256 a token file holds for it."""
    secret = secrets.token_urlsafe(32)
    out.print(f"secret: {secret}", highlight=False)
    out.print(f"sha256: {digest(secret).hex()}", highlight=False)


@token_app.command("hash", epilog='Example: echo "$SECRET" | sla-monitor token hash')
def token_hash() -> None:
    """Read a secret from standard input; print the SHA-256 a token file holds for it."""
    secret = sys.stdin.readline().strip()
    if len(secret) < MIN_SECRET_LENGTH:
        fail(f"a token must be at least {MIN_SECRET_LENGTH} characters long")
    out.print(digest(secret).hex(), highlight=False)
