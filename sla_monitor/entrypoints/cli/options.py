"""The options several commands share, declared once: `channel: Channels = None`."""

from __future__ import annotations

from typing import Annotated

import typer

Channels = Annotated[
    list[str] | None,
    typer.Option("--channel", help="Only this channel (repeatable).", show_default=False),
]
Branches = Annotated[
    list[str] | None,
    typer.Option("--branch", help="Only this branch code (repeatable).", show_default=False),
]
Regions = Annotated[
    list[str] | None,
    typer.Option("--region", help="Only this region (repeatable).", show_default=False),
]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="RFC 3339 instant; default now.", show_default=False),
]
PeriodAsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="RFC 3339 instant; default the end of the period or now.",
        show_default=False,
    ),
]
FirstDate = Annotated[
    str | None,
    typer.Option(
        "--from", help="First date, YYYY-MM-DD in report_timezone (with --to).", show_default=False
    ),
]
LastDate = Annotated[
    str | None,
    typer.Option("--to", help="Last date, inclusive, YYYY-MM-DD.", show_default=False),
]
DocumentFile = Annotated[
    str | None,
    typer.Option("--output", help="Write to this file (needed for xlsx).", show_default=False),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
