"""The OpenAPI description of an event and of a batch (docs/events.md), for /openapi.json."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sla_monitor.domain.policy import EVENT_TYPES

BATCH_LIMIT = 1000

EVENT: dict[str, Any] = {
    "type": "object",
    "title": "Event",
    "additionalProperties": False,
    "required": ["event_id", "claim_id", "type", "occurred_at"],
    "properties": {
        "event_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 128,
            "description": "Idempotency key.",
        },
        "claim_id": {"type": "string", "minLength": 1, "maxLength": 64},
        "type": {"type": "string", "enum": list(EVENT_TYPES)},
        "occurred_at": {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 with an offset; at most 5 minutes ahead of the server.",
            "example": "2026-03-02T09:30:00+07:00",
        },
        "channel": {"type": "string", "description": "Required on submitted."},
        "branch_code": {"type": "string", "description": "Required on submitted."},
        "employer_id": {"type": "string", "maxLength": 64},
        "batch_id": {"type": "string", "maxLength": 64},
        "amount": {"type": "integer", "minimum": 0, "description": "Rupiah."},
        "reason": {"type": "string", "maxLength": 500},
    },
}

BATCH: dict[str, Any] = {
    "type": "object",
    "title": "Batch",
    "additionalProperties": False,
    "required": ["events"],
    "properties": {"events": {"type": "array", "maxItems": BATCH_LIMIT, "items": EVENT}},
}

REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {"application/json": {"schema": {"oneOf": [EVENT, BATCH]}}},
}


class RejectedEvent(BaseModel):
    index: int
    event_id: str | None
    error: str


class IngestResponse(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[RejectedEvent]


class Problem(BaseModel):
    detail: str
