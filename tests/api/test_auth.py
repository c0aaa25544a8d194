"""Who may write and read: tokens, rotation, scopes, protected reads, and clean logs."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from sla_monitor.auth import Token, TokenError, digest, load_token_file, tokens_from_env
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.entrypoints.api.app import create_app
from sla_monitor.entrypoints.scheduler import Monitor
from sla_monitor.observability.logs import JsonFormatter, configure
from sla_monitor.store.db import session_scope
from sla_monitor.store.tables import EVENTS

from .test_api import NOW, Clock, event

WRITER = "writer-secret-0123456789"
OLD_WRITER = "old-writer-secret-0123456789"
JAKARTA = "jakarta-branch-secret-0123"
READER = "reader-only-secret-01234567"
SCOPED_TOKENS = [
    Token(
        "jakarta-online",
        digest(JAKARTA),
        channels=frozenset({"online"}),
        branches=frozenset({"JKT"}),
    ),
    Token("auditor", digest(READER), scopes=frozenset({"read"})),
]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def make(db: Engine, sla: SlaTimer, **options: Any) -> TestClient:
    clock = Clock(NOW)
    monitor = Monitor(db=db, sla=sla, interval=30, clock=clock, holder="test")
    app = create_app(
        db=db,
        sla=sla,
        clock=clock,
        monitor=monitor,
        api_tokens=[OLD_WRITER, WRITER],
        tokens=SCOPED_TOKENS,
        run_scheduler=False,
        **options,
    )
    return TestClient(app)


def stored_ids(db: Engine) -> set[str]:
    with session_scope(db) as session:
        return set(session.execute(select(EVENTS.c.event_id)).scalars())


def test_writes_need_a_known_token_and_both_rotation_tokens_work(db: Engine, sla: SlaTimer) -> None:
    client = make(db, sla)
    for headers in ({}, bearer("wrong-secret-0123456789"), {"Authorization": "Basic abc"}):
        response = client.post("/v1/events", json=event("E0"), headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert (
        client.post("/v1/events", json=event("E1"), headers=bearer(OLD_WRITER)).status_code == 200
    )
    second = event("E2", claim_id="C2")
    assert client.post("/v1/events", json=second, headers=bearer(WRITER)).status_code == 200
    assert stored_ids(db) == {"E1", "E2"}


def test_a_read_only_token_cannot_write(db: Engine, sla: SlaTimer) -> None:
    response = make(db, sla).post("/v1/events", json=event("E1"), headers=bearer(READER))
    assert response.status_code == 403
    assert "'auditor' does not have the write scope" in response.json()["detail"]
    assert stored_ids(db) == set()


def test_a_scoped_token_writes_only_its_channels_and_branches(db: Engine, sla: SlaTimer) -> None:
    client = make(db, sla)
    # DPS exists under the general writer; the scoped token may not add to it.
    client.post(
        "/v1/events", json=event("D1", claim_id="DPS-1", branch_code="DPS"), headers=bearer(WRITER)
    )
    batch = [
        event("J1", claim_id="JKT-1"),  # online, JKT: in scope
        event("J2", "documents_completed", claim_id="JKT-1"),  # its claim is JKT: in scope
        event("O1", claim_id="JKT-2", channel="offline"),  # wrong channel
        event("B1", claim_id="BDG-1", branch_code="BDG"),  # wrong branch
        event("D2", "paid", claim_id="DPS-1"),  # the stored claim's branch decides
        event("W1", "documents_completed", claim_id="NOT-YET"),  # unknown claim, no branch
    ]
    response = client.post("/v1/events", json={"events": batch}, headers=bearer(JAKARTA))
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2
    reasons = {r["event_id"]: r["error"] for r in body["rejected"]}
    assert set(reasons) == {"O1", "B1", "D2", "W1"}
    assert "token 'jakarta-online' may only write channel online, not 'offline'" in reasons["O1"]
    assert "may only write branch_code JKT, not 'BDG'" in reasons["B1"]
    assert "not 'DPS'" in reasons["D2"]
    assert "not submitted yet" in reasons["W1"] and "include it" in reasons["W1"]
    assert stored_ids(db) == {"D1", "J1", "J2"}


def test_reads_can_be_protected_and_scoped(db: Engine, sla: SlaTimer) -> None:
    open_reads = make(db, sla)
    open_reads.post("/v1/events", json=event("E1"), headers=bearer(WRITER))
    open_reads.post(
        "/v1/events", json=event("E2", claim_id="C2", branch_code="DPS"), headers=bearer(WRITER)
    )
    assert open_reads.get("/v1/claims/C1").status_code == 200

    client = make(db, sla, protect_reads=True)
    assert client.get("/v1/claims/C1").status_code == 401
    assert client.get("/v1/claims/C1", headers=bearer(READER)).status_code == 200
    assert client.get("/v1/claims/C1", headers=bearer(WRITER)).status_code == 200  # both scopes
    assert client.get("/v1/claims/C1", headers=bearer(JAKARTA)).status_code == 200
    hidden = client.get("/v1/claims/C2", headers=bearer(JAKARTA))  # a DPS claim
    assert hidden.status_code == 404 and hidden.json()["detail"] == "no claim 'C2'"
    for path in ("/metrics", "/healthz"):
        assert client.get(path).status_code == 200  # no claim detail, no personal data


def test_open_writes_need_no_token(db: Engine, sla: SlaTimer) -> None:
    client = make(db, sla, open_writes=True)
    assert client.post("/v1/events", json=event("E1")).status_code == 200
    assert (
        client.post(
            "/v1/events", json=event("E2", claim_id="C2"), headers=bearer("bad-token-0123456789")
        ).status_code
        == 401
    )


def test_token_settings_are_checked(tmp_path: Path, sla: SlaTimer) -> None:
    assert [t.name for t in tokens_from_env(f"{WRITER}, {OLD_WRITER}")] == ["env-1", "env-2"]
    with pytest.raises(TokenError, match="token 2 is 5 characters long; use at least 16"):
        tokens_from_env(f"{WRITER},short")
    channels, branches = sla.config.channels, sla.config.branches
    good = tmp_path / "tokens.toml"
    good.write_text(
        f'[[tokens]]\nname = "jkt"\nsha256 = "{digest(JAKARTA).hex()}"\nbranches = ["JKT"]\n'
        f'[[tokens]]\nname = "audit"\nsha256 = "{digest(READER).hex()}"\nscopes = ["read"]\n'
    )
    jkt, audit = load_token_file(good, channels=channels, branches=branches)
    assert jkt.branches == {"JKT"} and jkt.channels is None and jkt.scopes == {"read", "write"}
    assert audit.scopes == {"read"}
    for text, problem in [
        ('[[tokens]]\nname = "x"\nsha256 = "abc"\n', "tokens[0] (x): 'sha256' must be 64"),
        (
            f'[[tokens]]\nname = "x"\nsha256 = "{"a" * 64}"\nbranches = ["NOPE"]\n',
            "branches: unknown NOPE",
        ),
        (
            f'[[tokens]]\nname = "x"\nsha256 = "{"a" * 64}"\nscopes = ["admin"]\n',
            "scopes: unknown admin",
        ),
        (f'[[tokens]]\nname = "x"\nsha256 = "{"a" * 64}"\n' * 2, "name(s) x used twice"),
        (f'[[tokens]]\nname = "x"\nsecret = "{WRITER}"\n', "unknown key(s) secret"),
    ]:
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(TokenError) as raised:
            load_token_file(bad, channels=channels, branches=branches)
        assert problem in str(raised.value) and str(bad) in str(raised.value)


def test_logs_carry_request_ids_and_never_tokens_or_event_content(
    db: Engine, sla: SlaTimer, caplog: pytest.LogCaptureFixture
) -> None:
    client = make(db, sla)
    nik = "3171234567890001"
    caplog.set_level(logging.DEBUG)
    with_personal = event("E1", nik=nik)
    rejected = client.post("/v1/events", json=with_personal, headers=bearer(WRITER))
    assert rejected.status_code == 200 and rejected.json()["rejected"]
    accepted = client.post(
        "/v1/events",
        json=event("E2", reason=f"NIK {nik}"),
        headers={**bearer(WRITER), "X-Request-ID": "upstream-42"},
    )
    assert accepted.status_code == 200 and accepted.headers["X-Request-ID"] == "upstream-42"
    client.get("/v1/claims/C1?as_of=2026-11-20T00:00:00Z")
    client.post("/v1/events", json=event("E3"), headers=bearer("wrong-token-0123456789"))
    generated = rejected.headers["X-Request-ID"]
    assert len(generated) == 32

    # httpx is the test's own client logging its requests; everything else is the service
    service = [record for record in caplog.records if not record.name.startswith("httpx")]
    assert service
    lines = [JsonFormatter().format(record) for record in service]
    text = "\n".join(lines)
    for secret in (WRITER, OLD_WRITER, "wrong-token-0123456789", nik, "2026-11-20T00:00:00Z"):
        assert secret not in text
    requests = [
        json.loads(line) for line in lines if json.loads(line)["logger"] == "sla_monitor.api"
    ]
    access = [r for r in requests if "status" in r]
    assert [r["status"] for r in access] == [200, 200, 200, 401]
    assert access[0]["request_id"] == generated and access[1]["request_id"] == "upstream-42"
    assert access[0]["token"] == "token-2" and "token" not in access[3]
    ingest_lines = [r for r in requests if r["message"].startswith("ingest:")]
    assert ingest_lines[0]["message"] == "ingest: 0 accepted, 0 duplicates, 1 rejected"
    assert ingest_lines[0]["request_id"] == generated


def test_serve_refuses_open_writes_without_demo_and_short_tokens(tmp_path: Path) -> None:
    env = {**os.environ, "SLA_MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}

    def serve(*args: str, tokens: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sla_monitor", "serve", "--port", "1", *args],
            capture_output=True,
            text=True,
            env={**env, "SLA_MONITOR_API_TOKENS": tokens},
            timeout=60,
        )

    refused = serve("--insecure-open-writes")
    assert refused.returncode == 2
    assert "--insecure-open-writes lets anyone write claim events" in refused.stderr
    short = serve(tokens="changeme")
    assert short.returncode == 2
    assert "token 1 is 8 characters long" in short.stderr
    assert "changeme" not in short.stderr


def test_configure_routes_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure("json")
        logging.getLogger("sla_monitor.test").warning("hello %s", "there", extra={"count": 3})
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "hello there" and line["count"] == 3 and line["level"] == "warning"
