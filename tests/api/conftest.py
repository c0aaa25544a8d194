"""The API tests' clock, at NOW unless a test moves it, and a client of an app on `db`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sla_monitor.domain.timer import SlaTimer

from .test_api import NOW, Clock, make_client


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def client(db: Engine, sla: SlaTimer, clock: Clock) -> Iterator[TestClient]:
    test_client, _ = make_client(db, sla, clock)
    with test_client:
        yield test_client
