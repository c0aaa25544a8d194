"""The shipped rules of the delay before and around the clock, checked by promtool."""

from __future__ import annotations

import yaml

from .test_promtool import DEPLOY, run, tool


def test_delay_rule_unit_tests_pass() -> None:
    assert "SUCCESS" in run(
        tool("promtool"), "test", "rules", "prometheus/tests/sla-delay.test.yml"
    )


def test_every_delay_alert_has_a_unit_test_and_a_runbook() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus/rules/sla-delay.yml").read_text())
    alerts = [r for group in rules["groups"] for r in group["rules"] if "alert" in r]
    assert {a["alert"] for a in alerts} == {
        "SLABranchSendBacksHigh",
        "SLABranchWaitBeforeClockHigh",
    }
    tests = (DEPLOY / "prometheus/tests/sla-delay.test.yml").read_text()
    for alert in alerts:
        name = alert["alert"]
        assert f"alertname: {name}\n        exp_alerts: []" in tests, f"{name}: no not-firing test"
        assert f"alertname: {name}\n        exp_alerts:\n" in tests, f"{name}: no firing test"
        assert {"summary", "description", "runbook"} <= set(alert["annotations"]), name
        assert alert["labels"]["severity"] in ("page", "ticket"), name
