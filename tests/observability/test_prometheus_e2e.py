"""End to end: the shipped Prometheus rules, Alertmanager routing and Grafana dashboard (docs/metrics.md).

A module-scoped stack runs the real processes on loopback ports:

* `python -m sla_monitor serve` on SQLite, evaluating every second;
* a webhook receiver (http.server in a thread) that collects what Alertmanager posts;
* `prometheus-alertmanager`, routing every alert to that webhook within a second;
* `prometheus`, scraping every second and evaluating the shipped rules of
  deploy/prometheus/rules/ every second. It scrapes the one server as two replicas
  (`instance` sla-monitor-1 and sla-monitor-2), as production scrapes every replica: each
  exposes the same sla_* figures, so a rule or a panel that sums raw replicas shows double,
  and a join on a per-replica series that is not reduced first fails to evaluate.

Every loop is bounded and every failure quotes the processes' output. When prometheus or
alertmanager is not installed the tests that need them are skipped, unless
SLA_MONITOR_REQUIRE_TOOLS=1, where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.support.processes import (
    RETRY_ON,
    Process,
    free_port,
    start_process,
    start_serve,
    wait_for,
)

REPOSITORY = Path(__file__).resolve().parents[2]
DEPLOY = REPOSITORY / "deploy"
RULES_DIR = DEPLOY / "prometheus" / "rules"
RECORDING_RULES = RULES_DIR / "sla-recording.yml"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "sla-monitor.json"
DATASOURCES = DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDERS = DEPLOY / "grafana" / "provisioning" / "dashboards" / "sla-monitor.yml"
GRAFANA_DASHBOARDS_MOUNT = "/var/lib/grafana/dashboards"  # deploy/compose.yaml

TOKEN = "observability-token"
INTERVAL = 1  # seconds: the server's evaluations, Prometheus' scrapes and rule evaluations
REPLICAS = ("sla-monitor-1", "sla-monitor-2")
TIMEOUT = 60.0  # the bound of every wait
JAKARTA = ZoneInfo("Asia/Jakarta")
BREACH = {"branch": "JKT", "channel": "online", "goal": "payment"}
T = TypeVar("T")


# --------------------------------------------------------------------------- processes


def tool(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def tools_or_skip() -> tuple[str, str]:
    """The prometheus and alertmanager binaries; skip (or fail when required) without them."""
    prometheus = tool("prometheus")
    alertmanager = tool("prometheus-alertmanager", "alertmanager")
    missing = [
        name
        for name, path in (("prometheus", prometheus), ("prometheus-alertmanager", alertmanager))
        if path is None
    ]
    if missing or prometheus is None or alertmanager is None:
        reason = (
            f"{' and '.join(missing)} not installed (Debian: apt-get install prometheus "
            "prometheus-alertmanager); set SLA_MONITOR_REQUIRE_TOOLS=1 to fail instead"
        )
        if os.environ.get("SLA_MONITOR_REQUIRE_TOOLS") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return prometheus, alertmanager


class Webhook:
    """Collects the JSON bodies POSTed to it (Alertmanager's webhook notifications)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"unparsed": raw.decode("utf-8", "replace")}
                with webhook.lock:
                    webhook.received.append({"path": self.path, "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the payloads are quoted in failures instead

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/alerts"

    def payloads(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(item) for item in self.received]

    def alerts(self) -> Iterator[dict[str, Any]]:
        for item in self.payloads():
            yield from item["body"].get("alerts", [])

    def output(self) -> str:
        payloads = self.payloads()
        text = json.dumps(payloads, indent=1)[-4000:]
        return f"--- webhook on port {self.port}: {len(payloads)} notification(s) ---\n{text}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def alertmanager_config(webhook: Webhook) -> dict[str, Any]:
    return {
        "route": {
            "receiver": "webhook",
            "group_by": ["alertname", "channel", "goal", "branch"],
            "group_wait": "1s",
            "group_interval": "1s",
            "repeat_interval": "1m",
        },
        "receivers": [
            {"name": "webhook", "webhook_configs": [{"url": webhook.url, "send_resolved": True}]}
        ],
    }


def rule_files() -> list[str]:
    files = sorted(str(path) for path in RULES_DIR.glob("*.yml"))
    assert files, f"no rule files in {RULES_DIR}"
    return files


def prometheus_config(server_port: int, alertmanager_port: int) -> dict[str, Any]:
    target = f"127.0.0.1:{server_port}"
    return {
        "global": {"scrape_interval": f"{INTERVAL}s", "evaluation_interval": f"{INTERVAL}s"},
        "rule_files": rule_files(),
        "alerting": {
            "alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}]
        },
        "scrape_configs": [
            {
                "job_name": "sla-monitor",
                "metrics_path": "/metrics",
                # the same server twice, as two replicas exposing the same figures
                "static_configs": [
                    {"targets": [target], "labels": {"instance": replica}} for replica in REPLICAS
                ],
            }
        ],
    }


# --------------------------------------------------------------------------- the stack


@dataclass
class Stack:
    tmp: Path
    webhook: Webhook
    server: Process
    alertmanager: Process
    prometheus: Process
    processes: list[Process]

    def output(self) -> str:
        outputs = (process.output(tail=6000) for process in self.processes)
        return "\n".join([*outputs, self.webhook.output()])

    def check_alive(self) -> None:
        for process in self.processes:
            process.check_alive()

    def query(self, expr: str, at: float | None = None) -> dict[str, Any]:
        """Prometheus' answer to an instant query, success or error (never raises on 4xx)."""
        form = {"query": expr} if at is None else {"query": expr, "time": f"{at:.3f}"}
        response = self.prometheus.client.post("/api/v1/query", data=form)
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            body = {"status": "error", "error": f"HTTP {response.status_code}: {response.text}"}
        return body

    def vector(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float]]:
        """The samples of a successful instant query; fails the test on a query error."""
        body = self.query(expr, at)
        assert body.get("status") == "success", f"{expr}: {body}"
        result = body["data"]["result"]
        if body["data"]["resultType"] == "scalar":
            return [({}, float(result[1]))]
        return [(sample["metric"], float(sample["value"][1])) for sample in result]

    def wait(self, probe: Callable[[], T | None], what: str, timeout: float = TIMEOUT) -> T:
        def checked() -> T | None:
            self.check_alive()
            return probe()

        return wait_for(
            checked,
            timeout=timeout,
            what=what,
            context=self.output,
            interval=0.25,
            retry_on=(*RETRY_ON, KeyError, ValueError),
        )


def start_stack(tmp: Path, prometheus_bin: str, alertmanager_bin: str, started: list[Any]) -> Stack:
    webhook = Webhook()
    started.append(webhook)

    server = start_serve(
        "sla-monitor serve",
        f"sqlite:///{tmp / 'sla.db'}",
        cwd=tmp,
        token=TOKEN,
        interval=INTERVAL,
    )
    started.append(server)

    am_port = free_port()
    (tmp / "am.yml").write_text(yaml.safe_dump(alertmanager_config(webhook)), encoding="utf-8")
    alertmanager = start_process(
        "alertmanager",
        [
            alertmanager_bin,
            f"--config.file={tmp / 'am.yml'}",
            f"--storage.path={tmp / 'am'}",
            f"--web.listen-address=127.0.0.1:{am_port}",
            "--cluster.listen-address=",
        ],
        port=am_port,
        cwd=tmp,
        env=os.environ,
    )
    started.append(alertmanager)

    prom_port = free_port()
    config = prometheus_config(server.port, am_port)
    (tmp / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    prometheus = start_process(
        "prometheus",
        [
            prometheus_bin,
            f"--config.file={tmp / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        port=prom_port,
        cwd=tmp,
        env=os.environ,
    )
    started.append(prometheus)
    return Stack(tmp, webhook, server, alertmanager, prometheus, [server, alertmanager, prometheus])


def wait_until_scraped(stack: Stack) -> None:
    """Everything answers, both replicas are scraped, and the breach counters were seen at 0.

    SLANewBreachesAtBranch looks at increase(): Prometheus must hold a 0 before the breach
    makes the counter 1, or the first breach never shows as an increase.
    """

    def answers(process: Process, path: str) -> Callable[[], bool | None]:
        return lambda: process.client.get(path).status_code == 200 or None

    for process, path in (
        (stack.server, "/readyz"),
        (stack.alertmanager, "/-/ready"),
        (stack.prometheus, "/-/ready"),
    ):
        stack.wait(answers(process, path), f"{process.name} {path} to answer 200")

    def both_replicas_up() -> bool | None:
        up = stack.vector('up{job="sla-monitor"} == 1')
        return True if sorted(m["instance"] for m, _ in up) == sorted(REPLICAS) else None

    stack.wait(both_replicas_up, 'up{job="sla-monitor"} == 1 for both replicas')

    selector = 'sla_breaches_total{branch="JKT",channel="online",goal="payment"}'

    def zero_breaches_scraped() -> bool | None:
        samples = stack.vector(selector)
        assert all(value == 0 for _, value in samples), f"{selector} is not 0 yet: {samples}"
        return True if len(samples) == len(REPLICAS) else None

    stack.wait(zero_breaches_scraped, f"{selector} == 0 from both replicas")

    def alertmanager_known() -> bool | None:
        body = stack.prometheus.client.get("/api/v1/alertmanagers").json()
        return True if body["data"]["activeAlertmanagers"] else None

    stack.wait(alertmanager_known, "Prometheus to know the Alertmanager")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    prometheus_bin, alertmanager_bin = tools_or_skip()
    tmp = tmp_path_factory.mktemp("observability")
    started: list[Any] = []
    try:
        running = start_stack(tmp, prometheus_bin, alertmanager_bin, started)
        wait_until_scraped(running)
        yield running
    finally:
        for item in reversed(started):  # Prometheus first, the webhook last
            try:
                item.stop()
            except Exception as exc:  # keep stopping the others
                print(f"stopping {item!r} failed: {exc!r}", file=sys.stderr)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(JAKARTA).isoformat(timespec="seconds")  # e.g. ...+07:00


@pytest.fixture(scope="module")
def breach(stack: Stack) -> dict[str, str]:
    """Posts a claim whose deadline passed long ago (JKT, online), and one on track.

    30 calendar days hold at least 21 weekdays, so even the longest run of holidays and cuti
    bersama leaves more than the 5 working days: that deadline has passed.
    """
    tag = uuid.uuid4().hex[:8]
    late, fresh = f"OBS-LATE-{tag}", f"OBS-FRESH-{tag}"
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=30)
    events: list[dict[str, Any]] = [
        {
            "event_id": f"{late}-1",
            "claim_id": late,
            "type": "submitted",
            "occurred_at": rfc3339(long_ago - timedelta(hours=1)),
            "channel": BREACH["channel"],
            "branch_code": BREACH["branch"],
        },
        {
            "event_id": f"{late}-2",
            "claim_id": late,
            "type": "documents_completed",
            "occurred_at": rfc3339(long_ago),
        },
        {
            "event_id": f"{fresh}-1",
            "claim_id": fresh,
            "type": "submitted",
            "occurred_at": rfc3339(now - timedelta(minutes=2)),
            "channel": BREACH["channel"],
            "branch_code": BREACH["branch"],
        },
        {
            "event_id": f"{fresh}-2",
            "claim_id": fresh,
            "type": "documents_completed",
            "occurred_at": rfc3339(now - timedelta(seconds=5)),
        },
    ]
    response = stack.server.client.post(
        "/v1/events", json={"events": events}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200, f"{response.status_code} {response.text}\n{stack.output()}"
    assert response.json() == {"accepted": len(events), "duplicates": 0, "rejected": []}, (
        f"{response.text}\n{stack.output()}"
    )
    return {"late": late, "fresh": fresh}


# --------------------------------------------------------------------------- alerts and rules


def matches(labels: dict[str, str], **wanted: str) -> bool:
    return all(labels.get(key) == value for key, value in wanted.items())


def test_the_breach_alert_fires_and_reaches_alertmanager(
    stack: Stack, breach: dict[str, str]
) -> None:
    def firing() -> list[dict[str, Any]] | None:
        alerts = stack.prometheus.client.get("/api/v1/alerts").json()["data"]["alerts"]
        found = [
            alert
            for alert in alerts
            if matches(alert["labels"], alertname="SLANewBreachesAtBranch", **BREACH)
        ]
        return found if any(alert["state"] == "firing" for alert in found) else None

    found = stack.wait(firing, f"SLANewBreachesAtBranch firing in Prometheus for {BREACH}")
    # one alert per branch, channel and goal, not one per replica
    assert len(found) == 1, f"{found}\n{stack.output()}"
    alert = found[0]
    assert "instance" not in alert["labels"], alert
    assert alert["labels"]["severity"] == "ticket", alert
    assert "JKT" in alert["annotations"]["summary"], alert
    assert alert["annotations"].get("runbook"), alert

    def delivered() -> dict[str, Any] | None:
        return next(
            (
                alert
                for alert in stack.webhook.alerts()
                if alert.get("status") == "firing"
                and matches(alert.get("labels", {}), alertname="SLANewBreachesAtBranch", **BREACH)
            ),
            None,
        )

    notified = stack.wait(delivered, "Alertmanager to post the firing alert to the webhook")
    assert notified["labels"]["severity"] == "ticket", notified
    assert notified["annotations"].get("runbook"), notified


def single_value(stack: Stack, expr: str) -> float | None:
    samples = stack.vector(expr)
    assert len(samples) <= 1, f"{expr} has several series: {samples}"
    return samples[0][1] if samples else None


def test_recording_rules_produce_data(stack: Stack, breach: dict[str, str]) -> None:
    breached = 'channel_goal_branch_status:sla_open_claims:max{status="breached",branch="JKT"}'

    def breached_recorded() -> list[tuple[dict[str, str], float]] | None:
        samples = stack.vector(breached)
        online = [value for labels, value in samples if matches(labels, **BREACH)]
        return samples if online == [1.0] else None

    samples = stack.wait(breached_recorded, f"{breached} (online, payment) == 1")
    # one series per channel and goal, not per replica; only the online claim is breached
    assert all("instance" not in labels for labels, _ in samples), samples
    assert sum(value for _, value in samples) == 1.0, samples

    # summed across branches only after the max across replicas: 1, not one per replica
    def totals() -> tuple[float | None, float | None] | None:
        got = (
            single_value(stack, 'status:sla_open_claims:sum{status="breached"}'),
            single_value(stack, 'status:sla_open_claims:sum{status="on_track"}'),
        )
        return got if got == (1.0, 1.0) else None

    stack.wait(totals, "status:sla_open_claims:sum == 1 for breached and for on_track")

    def rates() -> bool | None:
        breaches = single_value(
            stack, 'channel_goal_branch:sla_breaches:rate1h{branch="JKT",channel="online"}'
        )
        accepted = single_value(stack, 'outcome:sla_events:rate5m{outcome="accepted"}')
        return True if breaches and breaches > 0 and accepted and accepted > 0 else None

    stack.wait(rates, "the breach and event rates to be recorded above 0")
    assert single_value(stack, "sla:compliance_objective:ratio") == 0.95

    # every rule that has been evaluated evaluated without an error (e.g. many-to-many joins)
    def evaluated() -> list[dict[str, Any]] | None:
        groups = stack.prometheus.client.get("/api/v1/rules").json()["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        assert rules, "no rules loaded"
        burn = [rule for rule in rules if "sla_closed_late" in rule["name"]]
        return rules if burn and all(rule["health"] == "ok" for rule in burn) else None

    rules = stack.wait(evaluated, "the burn-rate recording rules to be evaluated")
    errors = [
        (rule["name"], rule.get("lastError")) for rule in rules if rule.get("health") == "err"
    ]
    assert not errors, f"rules failing to evaluate: {errors}\n{stack.output()}"


# --------------------------------------------------------------------------- the dashboard

AGGREGATIONS = {
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
}
FUNCTIONS = {
    "abs",
    "absent",
    "absent_over_time",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "avg_over_time",
    "ceil",
    "changes",
    "clamp",
    "clamp_max",
    "clamp_min",
    "cos",
    "cosh",
    "count_over_time",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "days_in_month",
    "deg",
    "delta",
    "deriv",
    "exp",
    "floor",
    "histogram_count",
    "histogram_fraction",
    "histogram_quantile",
    "histogram_sum",
    "holt_winters",
    "hour",
    "idelta",
    "increase",
    "irate",
    "label_join",
    "label_replace",
    "last_over_time",
    "ln",
    "log10",
    "log2",
    "max_over_time",
    "min_over_time",
    "minute",
    "month",
    "pi",
    "predict_linear",
    "present_over_time",
    "quantile_over_time",
    "rad",
    "rate",
    "resets",
    "round",
    "scalar",
    "sgn",
    "sin",
    "sinh",
    "sort",
    "sort_desc",
    "sqrt",
    "stddev_over_time",
    "stdvar_over_time",
    "sum_over_time",
    "tan",
    "tanh",
    "time",
    "timestamp",
    "vector",
    "year",
}
LABEL_LISTS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"bool", "offset", "and", "or", "unless", "atan2", "inf", "nan", "start", "end"}
IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

# docs/metrics.md (counters with _total), the extra series the service exposes, Prometheus' own.
SPEC_METRICS = {
    "sla_open_claims",
    "sla_closed_claims_total",
    "sla_breaches_total",
    "sla_events_total",
    "sla_evaluation_timestamp_seconds",
    "sla_reclassified_total",
}
OTHER_METRICS = {
    "sla_branch_info",
    "sla_evaluation_duration_seconds",
    "up",
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "ALERTS",  # Prometheus' series of alerts, for the dashboard's alert annotations
}


@dataclass
class MetricUse:
    name: str
    enclosing: list[str]  # the functions and aggregations around it, innermost last


def skip_string(expr: str, i: int) -> int:
    quote = expr[i]
    i += 1
    while i < len(expr) and expr[i] != quote:
        i += 2 if expr[i] == "\\" and quote != "`" else 1
    if i >= len(expr):
        raise ValueError(f"unterminated string in {expr!r}")
    return i + 1


def skip_group(expr: str, i: int, opening: str, closing: str) -> int:
    """From an opening bracket at `i`, the index after its closing one (strings skipped)."""
    depth = 0
    while i < len(expr):
        char = expr[i]
        if char in "\"'`":
            i = skip_string(expr, i)
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced {opening}{closing} in {expr!r}")


def metric_uses(expr: str) -> list[MetricUse]:
    """The metric names of a PromQL expression, each with what encloses it.

    A small tokenizer: strings, label matchers `{...}` and ranges `[...]` are skipped, label
    lists after by/without/on/ignoring/group_left/group_right are skipped, identifiers
    followed by `(` are functions or aggregations; every other identifier is a metric name.
    """
    uses: list[MetricUse] = []
    frames: list[str] = []  # what opened each "(" still open
    pending = "("  # what the next "(" opens: a function, an aggregation, or plain parentheses
    i = 0
    while i < len(expr):
        char = expr[i]
        if char.isspace():
            i += 1
        elif char in "\"'`":
            i = skip_string(expr, i)
        elif char == "{":
            i = skip_group(expr, i, "{", "}")
        elif char == "[":
            i = skip_group(expr, i, "[", "]")
        elif char == "(":
            frames.append(pending)
            pending = "("
            i += 1
        elif char == ")":
            if not frames:
                raise ValueError(f"unbalanced ) in {expr!r}")
            frames.pop()
            i += 1
        elif (number := NUMBER.match(expr, i)) and not char.isalpha():
            i = number.end()
            while i < len(expr) and expr[i].isalpha():  # a duration such as 5m after offset
                i += 1
        elif identifier := IDENTIFIER.match(expr, i):
            name = identifier.group()
            i = identifier.end()
            rest = expr[i:].lstrip()
            if name in LABEL_LISTS:
                if rest.startswith("("):
                    i = skip_group(expr, len(expr) - len(rest), "(", ")")
            elif name in AGGREGATIONS:
                pending = name  # sum by (x) (...) or sum (...) by (x)
            elif rest.startswith("("):
                if name not in FUNCTIONS:
                    raise ValueError(f"unknown function {name!r} in {expr!r}")
                pending = name
            elif name in KEYWORDS:
                pass
            else:
                uses.append(MetricUse(name, list(frames)))
        else:
            i += 1  # operators, commas, @
    if frames:
        raise ValueError(f"unbalanced ( in {expr!r}")
    return uses


def recording_rule_names() -> set[str]:
    rules = yaml.safe_load(RECORDING_RULES.read_text(encoding="utf-8"))
    return {
        rule["record"] for group in rules["groups"] for rule in group["rules"] if "record" in rule
    }


def allowed_metric(name: str, recorded: set[str]) -> bool:
    return (
        name in SPEC_METRICS
        or name in OTHER_METRICS
        or name in recorded
        or name.startswith("process_")
    )


def load_dashboard() -> dict[str, Any]:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return dashboard


def all_panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels", []))  # panels inside collapsed rows


LABEL_VALUES = re.compile(r"^\s*label_values\((?P<selector>.+),\s*(?P<label>\w+)\s*\)\s*$", re.S)


def variable_query(variable: dict[str, Any]) -> str:
    query = variable.get("query", "")
    return str(query.get("query", "") if isinstance(query, dict) else query)


def dashboard_expressions(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, PromQL) for every panel target, variable query and annotation."""
    found: list[tuple[str, str]] = []
    for panel in all_panels(dashboard["panels"]):
        for target in panel.get("targets", []):
            if target.get("expr"):
                found.append(
                    (f"panel {panel.get('title')!r} {target.get('refId')}", target["expr"])
                )
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        query = variable_query(variable)
        label_values = LABEL_VALUES.match(query)
        assert label_values, f"variable {variable['name']}: unsupported query {query!r}"
        found.append((f"variable ${variable['name']}", label_values["selector"]))
    for annotation in dashboard.get("annotations", {}).get("list", []):
        if annotation.get("expr"):
            found.append((f"annotation {annotation.get('name')!r}", annotation["expr"]))
    return found


VARIABLE = re.compile(r"\$\{(?P<braced>\w+)(?::\w+)?\}|\$(?P<plain>\w+)")
CONCRETE = {
    "channel": ".*",
    "goal": ".*",
    "region": ".*",
    "branch": ".*",
    "__range": "1h",
    "__rate_interval": "1m",
    "__interval": "15s",
}


def substitute(expr: str) -> str:
    def concrete(match: re.Match[str]) -> str:
        name = match["braced"] or match["plain"]
        assert name in CONCRETE, f"unknown variable ${name} in {expr!r}"
        return CONCRETE[name]

    return VARIABLE.sub(concrete, expr)


def test_the_promql_tokenizer_finds_metric_names() -> None:
    uses = metric_uses(
        'sum by (branch) (max by (channel, goal, branch) (increase(sla_breaches_total{a="x{"}[1h]))'
        ' and on (branch) sla_branch_info{region=~".*"}) * 3600'
        " / on () group_left () (1 - sla:compliance_objective:ratio) offset 5m"
    )
    assert [(use.name, use.enclosing) for use in uses] == [
        ("sla_breaches_total", ["sum", "max", "increase"]),
        ("sla_branch_info", ["sum"]),
        ("sla:compliance_objective:ratio", ["("]),
    ]
    assert [use.name for use in metric_uses("time() - max(sla_evaluation_timestamp_seconds)")] == [
        "sla_evaluation_timestamp_seconds"
    ]
    assert [use.name for use in metric_uses("sum(rate(x[5m])) by (le)")] == ["x"]


def test_every_dashboard_query_is_valid_promql(stack: Stack, breach: dict[str, str]) -> None:
    dashboard = load_dashboard()
    expressions = dashboard_expressions(dashboard)
    assert len(expressions) > 10, expressions
    recorded = recording_rule_names()

    unknown = [
        (where, use.name)
        for where, expr in expressions
        for use in metric_uses(substitute(expr))
        if not allowed_metric(use.name, recorded)
    ]
    assert not unknown, (
        f"metrics neither in docs/metrics.md, the service nor the recording rules: {unknown}"
    )

    failures = []
    for where, expr in expressions:
        query = substitute(expr)
        body = stack.query(query)
        if body.get("status") != "success":
            failures.append(
                f"{where}: {query}\n    -> {body.get('errorType')}: {body.get('error')}"
            )
    assert not failures, "invalid dashboard queries:\n" + "\n".join(failures)

    # the template variables offer values once data is in
    for variable in dashboard["templating"]["list"]:
        label_values = LABEL_VALUES.match(variable_query(variable))
        assert label_values
        selector, label = substitute(label_values["selector"]), label_values["label"]
        values = stack.prometheus.client.get(
            f"/api/v1/label/{label}/values", params={"match[]": selector}
        ).json()["data"]
        assert values, f"variable ${variable['name']}: no {label} values for {selector}"

    by_title = {
        panel["title"]: panel["targets"]
        for panel in all_panels(dashboard["panels"])
        if panel.get("targets")
    }

    def panel_query(title: str) -> str:
        assert title in by_title, f"no panel {title!r} in {sorted(by_title)}"
        return substitute(by_title[title][0]["expr"])

    backlog = panel_query("Open backlog by status")

    def backlog_shows_the_breach() -> dict[str, float] | None:
        by_status = {labels.get("status", ""): value for labels, value in stack.vector(backlog)}
        return by_status if by_status.get("breached") == 1.0 else None

    by_status = stack.wait(backlog_shows_the_breach, f"{backlog} to show the breached claim")
    assert by_status.get("on_track") == 1.0, by_status  # once, not once per replica

    per_branch = stack.vector(panel_query("Open breached claims per branch"))
    jkt = [value for labels, value in per_branch if labels.get("branch") == "JKT"]
    assert jkt == [1.0], per_branch
    assert all(labels.get("region") for labels, _ in per_branch), per_branch

    # increase() extrapolates over a short history (1 can read as 1.8), so the panel is
    # compared with each replica's own increase at the same instant: summing replicas
    # would show their total, max shows the largest one
    at = time.time()
    new_breaches = stack.vector(panel_query("New breaches per branch (dashboard range)"), at)
    jkt = [value for labels, value in new_breaches if labels.get("branch") == "JKT"]
    per_replica = [
        value
        for _, value in stack.vector(
            substitute('increase(sla_breaches_total{branch="JKT"}[$__range])'), at
        )
    ]
    assert len(jkt) == 1 and jkt[0] >= 0.9, new_breaches
    assert jkt[0] == pytest.approx(max(per_replica)), (new_breaches, per_replica)


def test_the_dashboard_reduces_sla_series_across_replicas_with_max() -> None:
    """Each replica exposes the same sla_* figures: reduce with max before anything else."""
    wrong = []
    for where, expr in dashboard_expressions(load_dashboard()):
        if where.startswith("variable"):
            continue  # label_values() only reads label values
        for use in metric_uses(substitute(expr)):
            if not use.name.startswith("sla_") or use.name == "sla_branch_info":
                # sla_branch_info may filter with `and on (branch)`; a group_left join on it
                # unreduced fails with two replicas, which the valid-PromQL test catches
                continue
            aggregations = [name for name in use.enclosing if name in AGGREGATIONS]
            if not aggregations or aggregations[-1] != "max":
                wrong.append(f"{where}: {use.name} inside {use.enclosing or 'nothing'}: {expr}")
    assert not wrong, "sla_* series not reduced with max first:\n" + "\n".join(wrong)


def datasource_uids(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        source = node.get("datasource")
        if isinstance(source, dict) and source.get("type") != "grafana":
            yield str(source.get("uid"))
        elif isinstance(source, str):
            yield source
        for value in node.values():
            yield from datasource_uids(value)
    elif isinstance(node, list):
        for item in node:
            yield from datasource_uids(item)


def test_grafana_provisioning_files() -> None:
    datasources = yaml.safe_load(DATASOURCES.read_text(encoding="utf-8"))
    assert datasources["apiVersion"] == 1
    [prometheus] = datasources["datasources"]
    assert prometheus["type"] == "prometheus", prometheus
    assert prometheus["url"] == "http://prometheus:9090", prometheus
    assert prometheus["isDefault"] is True, prometheus
    uid = prometheus["uid"]
    assert uid == "prometheus"

    providers = yaml.safe_load(DASHBOARD_PROVIDERS.read_text(encoding="utf-8"))
    assert providers["apiVersion"] == 1
    [provider] = providers["providers"]
    assert provider["type"] == "file", provider
    assert provider["options"]["path"] == GRAFANA_DASHBOARDS_MOUNT, provider
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    mounts = compose["services"]["grafana"]["volumes"]
    assert any(
        mount.split(":")[:2] == ["./grafana/dashboards", GRAFANA_DASHBOARDS_MOUNT]
        for mount in mounts
    ), mounts

    dashboard = load_dashboard()
    assert dashboard["uid"] == "sla-monitor"
    assert dashboard["title"] == "sla-monitor: JHT claim SLA"
    assert dashboard.get("id") is None  # provisioned: Grafana assigns the id
    uids = set(datasource_uids(dashboard))
    assert uids == {uid}, f"datasource uids {uids}, provisioned {uid!r}"

    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    assert set(variables) >= {"channel", "goal", "region", "branch"}, sorted(variables)
    for name in ("channel", "goal", "region", "branch"):
        variable = variables[name]
        assert variable["type"] == "query", variable
        assert variable["multi"] and variable["includeAll"], variable
        assert variable["allValue"] == ".*", variable
        assert variable_query(variable).startswith("label_values("), variable
    assert variable_query(variables["region"]) == "label_values(sla_branch_info, region)"
    assert (
        variable_query(variables["branch"])
        == 'label_values(sla_branch_info{region=~"$region"}, branch)'
    )

    panels = list(all_panels(dashboard["panels"]))
    assert panels
    for panel in panels:
        assert panel.get("title"), panel
        assert panel.get("targets"), f"panel {panel.get('title')!r} has no target"
        assert all(target.get("expr") for target in panel["targets"]), panel["title"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), f"duplicate panel ids: {ids}"
