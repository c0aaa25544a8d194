"""The shipped Prometheus and Alertmanager configuration, checked by their own tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).parent.parent.parent / "deploy"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("SLA_MONITOR_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{name} is required here (SLA_MONITOR_REQUIRE_TOOLS=1) but not installed")
        pytest.skip(
            f"{name} is not installed (Debian: apt-get install prometheus prometheus-alertmanager)"
        )
    return path


def run(*command: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=DEPLOY)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def test_rules_are_valid() -> None:
    output = run(
        tool("promtool"), "check", "rules", *map(str, sorted(DEPLOY.glob("prometheus/rules/*.yml")))
    )
    assert "SUCCESS" in output


def test_prometheus_config_is_valid() -> None:
    assert "SUCCESS" in run(tool("promtool"), "check", "config", "prometheus/prometheus.yml")


def test_rule_unit_tests_pass() -> None:
    assert "SUCCESS" in run(
        tool("promtool"), "test", "rules", "prometheus/tests/sla-alerts.test.yml"
    )


def test_every_alert_has_a_unit_test_and_a_runbook() -> None:
    import yaml

    rules = yaml.safe_load((DEPLOY / "prometheus/rules/sla-alerts.yml").read_text())
    alerts = [r for group in rules["groups"] for r in group["rules"]]
    tests = (DEPLOY / "prometheus/tests/sla-alerts.test.yml").read_text()
    for alert in alerts:
        name = alert["alert"]
        assert f"alertname: {name}\n        exp_alerts: []" in tests, f"{name}: no not-firing test"
        assert f"alertname: {name}\n        exp_alerts:\n" in tests, f"{name}: no firing test"
        assert {"summary", "description", "runbook"} <= set(alert["annotations"]), name
        assert alert["labels"]["severity"] in ("page", "ticket"), name


def test_alertmanager_config_is_valid() -> None:
    assert "SUCCESS" in run(tool("amtool"), "check-config", "alertmanager/alertmanager.yml")
