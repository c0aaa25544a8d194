"""Every answer matches /openapi.json (docs/api.md): schemathesis makes requests from the
document itself and checks that each status is documented for its operation, and that each
body has a documented content type and matches its documented schema."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.entrypoints.api.app import create_app
from sla_monitor.entrypoints.scheduler import Monitor
from sla_monitor.services.demo import demo_events

from ..integration.helpers import store

NOW = parse_rfc3339("2026-04-10T00:00:00Z")
TOKEN = "conformance-secret-0123456789"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def documented(db: Engine, sla: SlaTimer) -> Any:
    """The app on a month of demo claims, evaluated at NOW so that /readyz answers 200."""
    events = demo_events(config=sla.config, month=date(2026, 3, 1), per_day=2, seed=3, now=NOW)
    store(db, sla, *events, now=NOW)
    monitor = Monitor(db=db, sla=sla, interval=30, clock=lambda: NOW, holder="conformance")
    monitor.tick()
    app = create_app(
        db=db, sla=sla, clock=lambda: NOW, monitor=monitor, api_tokens=[TOKEN], run_scheduler=False
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("documented")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_each_answer_is_documented_and_matches_its_schema(case: Any) -> None:
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
    case.validate_response(response, checks=CHECKS)
