"""Static checks of the deployment files: deploy/Dockerfile, deploy/compose.yaml, deploy/kubernetes/.

Nothing here builds an image or talks to a cluster. The external tools (docker-compose, kubectl)
are run when installed and skipped otherwise, unless SLA_MONITOR_REQUIRE_TOOLS=1 (as in CI),
where a missing docker-compose fails the test; kubectl stays optional.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
DEPLOY = REPOSITORY / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"


def require_tool(name: str, *, optional: bool = False) -> str:
    """The tool's path; skip when not installed, or fail under SLA_MONITOR_REQUIRE_TOOLS=1
    unless `optional` (a tool that .ci/run cannot install)."""
    path = shutil.which(name)
    if path is None:
        message = f"`{name}` is not installed"
        if os.environ.get("SLA_MONITOR_REQUIRE_TOOLS") == "1" and not optional:
            pytest.fail(f"{message} (SLA_MONITOR_REQUIRE_TOOLS=1)")
        pytest.skip(message)
    return path


def load_one(path: Path) -> dict[str, Any]:
    documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    assert len(documents) == 1, f"{path} should hold exactly one YAML document"
    assert isinstance(documents[0], dict), f"{path} is not a mapping"
    return documents[0]


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Does a Kubernetes label selector (matchLabels / matchExpressions) select these labels?"""
    if not selector:
        return False  # an empty selector in these files would be a mistake, not "everything"
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def test_selects() -> None:
    labels = {"app": "a", "tier": "web"}
    assert selects({"matchLabels": {"app": "a"}}, labels)
    assert not selects({"matchLabels": {"app": "b"}}, labels)
    assert not selects({"matchLabels": {"app": "a", "x": "y"}}, labels)
    assert selects(
        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]}, labels
    )
    assert not selects({"matchExpressions": [{"key": "x", "operator": "Exists"}]}, labels)
    assert not selects({}, labels)


# --- Dockerfile ---------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str  # upper case
    arguments: str  # the rest of the logical line, continuations joined
    stage: int  # index of the FROM it belongs to

    def words(self) -> list[str]:
        """The arguments in exec (JSON array) form or split like a shell would."""
        text = self.arguments.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                pass
            else:
                return [str(item) for item in value]
        return shlex.split(text)


def parse_dockerfile(text: str) -> list[Instruction]:
    """Logical instructions: comments dropped, backslash continuations joined."""
    instructions: list[Instruction] = []
    pending = ""
    stage = -1
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # Docker drops comment lines, also inside a continuation
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical = (pending + line).strip()
        pending = ""
        keyword, _, arguments = logical.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, arguments.strip(), stage))
    assert not pending, "the Dockerfile ends inside a continuation"
    return instructions


def without_flags(words: list[str]) -> tuple[dict[str, str], list[str]]:
    flags: dict[str, str] = {}
    rest = []
    for word in words:
        if word.startswith("--") and not rest:
            name, _, value = word[2:].partition("=")
            flags[name] = value
        else:
            rest.append(word)
    return flags, rest


def dockerignore_patterns() -> list[str]:
    path = REPOSITORY / ".dockerignore"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def dockerignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves `relative` (or a folder holding it) out of the context.

    An approximation of Docker's rules, strict on the safe side: `*` may also match `/`.
    """
    path = PurePosixPath(relative.strip("/"))
    candidates = [str(path), *(str(parent) for parent in path.parents if str(parent) != ".")]
    ignored = False
    for pattern in patterns:
        exception = pattern.startswith("!")
        cleaned = pattern.lstrip("!").strip("/")
        variants = [cleaned]
        if cleaned.startswith("**/"):
            variants.append(cleaned[3:])
        for candidate in candidates:
            parts = candidate.split("/")
            tails = ["/".join(parts[i:]) for i in range(len(parts))]
            matched = any(fnmatch.fnmatchcase(candidate, v) for v in variants) or (
                cleaned.startswith("**/")
                and any(fnmatch.fnmatchcase(t, cleaned[3:]) for t in tails)
            )
            if matched:
                ignored = not exception
                break
    return ignored


def test_dockerignored() -> None:
    patterns = [".git", "**/__pycache__", "*.db", "tests", "build"]
    assert dockerignored(".git/config", patterns)
    assert dockerignored("sla_monitor/store/__pycache__/x.pyc", patterns)
    assert dockerignored("sla.db", patterns)
    assert dockerignored("tests", patterns)
    assert not dockerignored("sla_monitor/", patterns)
    assert not dockerignored("config/", patterns)
    assert not dockerignored("README.md", patterns)
    assert not dockerignored("x", [*patterns, "x", "!x"])


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last = max(i.stage for i in instructions)
    return [i for i in instructions if i.stage == last]


def test_dockerfile_bases_are_python_311_slim(dockerfile: list[Instruction]) -> None:
    bases = [i.words()[0] for i in dockerfile if i.keyword == "FROM"]
    assert bases, "no FROM"
    assert all(base.startswith("python:3.11-slim") for base in bases), bases


def test_dockerfile_runs_as_a_fixed_non_root_user(dockerfile: list[Instruction]) -> None:
    users = [i.words()[0] for i in final_stage(dockerfile) if i.keyword == "USER"]
    assert users, "the final stage sets no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, users[-1]
    assert user.isdigit(), f"USER {users[-1]}: a numeric uid lets runAsNonRoot verify it"


def test_dockerfile_healthcheck_calls_healthz(dockerfile: list[Instruction]) -> None:
    checks = [i for i in final_stage(dockerfile) if i.keyword == "HEALTHCHECK"]
    assert checks, "no HEALTHCHECK in the final stage"
    assert "NONE" not in checks[-1].arguments.upper().split()
    assert "/healthz" in checks[-1].arguments
    assert "urllib" in checks[-1].arguments, "python:3.11-slim has no curl or wget"


def test_dockerfile_exposes_8000_and_serves_there(dockerfile: list[Instruction]) -> None:
    stage = final_stage(dockerfile)
    exposed = [w.split("/")[0] for i in stage if i.keyword == "EXPOSE" for w in i.words()]
    assert "8000" in exposed
    entrypoint = [i.words() for i in stage if i.keyword == "ENTRYPOINT"][-1]
    command = [i.words() for i in stage if i.keyword == "CMD"][-1]
    assert entrypoint == ["sla-monitor"]
    assert command[0] == "serve"
    assert command[command.index("--port") + 1] == "8000"
    assert command[command.index("--host") + 1] == "0.0.0.0"


def test_dockerfile_environment(dockerfile: list[Instruction]) -> None:
    env: dict[str, str] = {}
    for instruction in final_stage(dockerfile):
        if instruction.keyword == "ENV":
            for word in instruction.words():
                name, _, value = word.partition("=")
                env[name] = value
    assert env.get("PYTHONUNBUFFERED") == "1"
    assert env.get("SLA_MONITOR_CONFIG_DIR") == "/etc/sla-monitor"
    copies = [without_flags(i.words())[1] for i in final_stage(dockerfile) if i.keyword == "COPY"]
    assert any(words[:-1] == ["config/"] or words[:-1] == ["config"] for words in copies), (
        "config/ is not copied"
    )
    assert any(words[-1].rstrip("/") == "/etc/sla-monitor" for words in copies)


def test_dockerfile_copy_sources_exist_in_the_context(dockerfile: list[Instruction]) -> None:
    patterns = dockerignore_patterns()
    sources = []
    for instruction in dockerfile:
        if instruction.keyword not in {"COPY", "ADD"}:
            continue
        flags, words = without_flags(instruction.words())
        if "from" in flags:
            continue  # copied from another stage, not from the context
        assert len(words) >= 2, f"{instruction.keyword} {instruction.arguments}"
        sources.extend(words[:-1])
    assert sources
    for source in sources:
        assert (REPOSITORY / source).exists(), f"COPY source {source!r} is not in the repository"
        assert not dockerignored(source, patterns), f"COPY source {source!r} is in .dockerignore"


def test_dockerignore_keeps_junk_out() -> None:
    patterns = dockerignore_patterns()
    assert patterns, "no .dockerignore at the repository root"
    for path in [".git/HEAD", "sla_monitor.db", "sla_monitor/__pycache__/cli.cpython-311.pyc"]:
        assert dockerignored(path, patterns), f"{path} would be sent to the build"


# --- compose.yaml -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_one(COMPOSE)


def bind_mount_sources(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(service, source) of every bind mount; named volumes are left out."""
    found = []
    for name, service in (document.get("services") or {}).items():
        for volume in service.get("volumes") or []:
            if isinstance(volume, str):
                source = volume.split(":")[0]
                if source.startswith((".", "/", "~")):
                    found.append((name, source))
            elif volume.get("type") == "bind":
                found.append((name, str(volume["source"])))
    return found


def test_bind_mount_sources_finds_binds_only() -> None:
    document = {
        "services": {
            "a": {"volumes": ["data:/var/lib/x", "./conf.yml:/etc/conf.yml:ro", "/abs:/abs"]},
            "b": {
                "volumes": [
                    {"type": "volume", "source": "data", "target": "/d"},
                    {"type": "bind", "source": "./rules", "target": "/r"},
                ]
            },
            "c": {"image": "x"},
        }
    }
    assert bind_mount_sources(document) == [
        ("a", "./conf.yml"),
        ("a", "/abs"),
        ("b", "./rules"),
    ]


def _compose_binds() -> list[tuple[str, str]]:
    try:
        return bind_mount_sources(load_one(COMPOSE))
    except Exception:  # reported by test_compose_parses
        return []


def _compose_bind_params() -> list[Any]:
    return [pytest.param(s, src, id=f"{s}:{src}") for s, src in _compose_binds()]


def test_compose_parses(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "sla-monitor", "prometheus", "alertmanager", "grafana"} <= set(services)
    assert all(isinstance(s, dict) for s in services.values())


@pytest.mark.parametrize(("service", "source"), _compose_bind_params())
def test_compose_bind_mount_source_exists(service: str, source: str) -> None:
    path = (DEPLOY / Path(source).expanduser()).resolve()
    assert path.exists(), f"{service}: bind-mount source {source} ({path}) does not exist"


def test_compose_has_the_expected_bind_mounts() -> None:
    sources = {source for _, source in _compose_binds()}
    assert {
        "./prometheus/prometheus.yml",
        "./prometheus/rules",
        "./alertmanager/alertmanager.yml",
        "./grafana/provisioning",
        "./grafana/dashboards",
    } <= sources


def test_compose_sla_monitor(compose: dict[str, Any]) -> None:
    service = compose["services"]["sla-monitor"]
    build = service["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == REPOSITORY
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE.resolve()
    assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    env = service["environment"]
    assert env["SLA_MONITOR_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in env["SLA_MONITOR_DATABASE_URL"]
    assert env["SLA_MONITOR_API_TOKENS"]
    assert any(str(port).endswith("8000") for port in service["ports"])
    postgres = compose["services"]["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    tool = require_tool("docker-compose")
    return subprocess.run(
        [tool, "-f", str(COMPOSE.relative_to(REPOSITORY)), "config", "-q"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_docker_compose_config_accepts_the_file() -> None:
    env = {**os.environ, "SLA_MONITOR_API_TOKENS": "a-secret-of-at-least-16-chars"}
    result = compose_config(env)
    assert result.returncode == 0, result.stderr or result.stdout


def test_compose_refuses_to_start_without_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SLA_MONITOR_API_TOKENS"}
    result = compose_config(env)
    assert result.returncode != 0
    assert "SLA_MONITOR_API_TOKENS" in result.stderr


# --- Kubernetes ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deployment() -> dict[str, Any]:
    document = load_one(KUBERNETES / "deployment.yaml")
    assert document["kind"] == "Deployment"
    return document


def pod_labels(deployment: dict[str, Any]) -> dict[str, str]:
    return dict(deployment["spec"]["template"]["metadata"]["labels"])


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def port_names(deployment: dict[str, Any]) -> dict[str, int]:
    return {p["name"]: p["containerPort"] for p in container(deployment)["ports"] if "name" in p}


def test_deployment_labels_and_selector(deployment: dict[str, Any]) -> None:
    labels = pod_labels(deployment)
    assert labels["app.kubernetes.io/name"] == "sla-monitor"
    assert selects(deployment["spec"]["selector"], labels)
    assert deployment["spec"]["replicas"] == 2


def test_deployment_probes(deployment: dict[str, Any]) -> None:
    spec = container(deployment)
    names = port_names(deployment)
    assert names.get("metrics") == 8000
    expected = {"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": None}
    for probe, path in expected.items():
        get = spec[probe]["httpGet"]
        assert get["port"] in names, f"{probe} port {get['port']!r} is not a named container port"
        if path:
            assert get["path"] == path, probe


def test_deployment_security(deployment: dict[str, Any]) -> None:
    pod = deployment["spec"]["template"]["spec"]
    spec = container(deployment)
    context = spec["securityContext"]
    assert (context.get("runAsNonRoot") or pod["securityContext"].get("runAsNonRoot")) is True
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    user = pod["securityContext"].get("runAsUser", context.get("runAsUser"))
    image_user = [
        i.words()[0].split(":")[0]
        for i in final_stage(parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8")))
        if i.keyword == "USER"
    ][-1]
    assert str(user) == image_user, "runAsUser differs from the image's USER"


def test_deployment_resources_and_shutdown(deployment: dict[str, Any]) -> None:
    spec = container(deployment)
    assert spec["resources"]["limits"]["memory"] == "512Mi"
    assert {"cpu", "memory"} <= set(spec["resources"]["requests"])
    # The server drains for up to 30 s; the grace period must leave it that time.
    assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > 30


def test_deployment_secret_and_config(deployment: dict[str, Any]) -> None:
    spec = container(deployment)
    env = {e["name"]: e for e in spec["env"]}
    secret = load_one(KUBERNETES / "secret.example.yaml")
    assert secret["kind"] == "Secret"
    secret_keys = set(secret.get("stringData") or {}) | set(secret.get("data") or {})
    for name in ["SLA_MONITOR_DATABASE_URL", "SLA_MONITOR_API_TOKENS"]:
        reference = env[name]["valueFrom"]["secretKeyRef"]
        assert reference["name"] == secret["metadata"]["name"] == "sla-monitor"
        assert reference["key"] in secret_keys, f"{name}: key {reference['key']!r}"
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in spec["volumeMounts"]}
    config_dir = env["SLA_MONITOR_CONFIG_DIR"]["value"]
    assert config_dir == "/etc/sla-monitor"
    assert volumes[mounts[config_dir]]["configMap"]["name"] == "sla-monitor-config"


def test_migrations_run_somewhere(deployment: dict[str, Any]) -> None:
    args = container(deployment)["args"]
    assert args[0] == "serve"
    if "--no-migrate" not in args:
        return  # serve applies them at start
    job = load_one(KUBERNETES / "migrate-job.yaml")
    assert job["kind"] == "Job"
    job_spec = job["spec"]["template"]["spec"]
    assert job_spec["containers"][0]["args"] == ["db", "upgrade"]
    assert job_spec["securityContext"]["runAsNonRoot"] is True
    # The Job's pod must not be taken for a server replica.
    job_labels = job["spec"]["template"]["metadata"]["labels"]
    service = load_one(KUBERNETES / "service.yaml")
    assert not selects({"matchLabels": service["spec"]["selector"]}, job_labels)
    assert not selects(load_one(KUBERNETES / "pdb.yaml")["spec"]["selector"], job_labels)
    assert not selects(load_one(KUBERNETES / "podmonitor.yaml")["spec"]["selector"], job_labels)


def test_service_selects_the_pods(deployment: dict[str, Any]) -> None:
    service = load_one(KUBERNETES / "service.yaml")
    assert service["kind"] == "Service"
    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(deployment))
    names = port_names(deployment)
    for port in service["spec"]["ports"]:
        target = port.get("targetPort", port["port"])
        assert target in names or target in names.values(), f"targetPort {target!r}"


def test_podmonitor_scrapes_every_replica(deployment: dict[str, Any]) -> None:
    monitor = load_one(KUBERNETES / "podmonitor.yaml")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["kind"] == "PodMonitor"
    assert selects(monitor["spec"]["selector"], pod_labels(deployment))
    endpoints = monitor["spec"]["podMetricsEndpoints"]
    assert endpoints
    for endpoint in endpoints:
        assert endpoint["port"] in port_names(deployment)
        assert endpoint["path"] == "/metrics"
        assert endpoint["interval"] == "30s"


def test_pdb_selects_the_pods(deployment: dict[str, Any]) -> None:
    pdb = load_one(KUBERNETES / "pdb.yaml")
    assert pdb["kind"] == "PodDisruptionBudget"
    assert pdb["spec"]["minAvailable"] == 1
    assert selects(pdb["spec"]["selector"], pod_labels(deployment))


def test_kustomization_resources_exist() -> None:
    kustomization = load_one(KUBERNETES / "kustomization.yaml")
    resources = kustomization["resources"]
    assert {"deployment.yaml", "service.yaml", "pdb.yaml", "podmonitor.yaml"} <= set(resources)
    assert "secret.example.yaml" not in resources
    for resource in resources:
        assert (KUBERNETES / resource).is_file(), resource


def test_kubectl_kustomize_builds() -> None:
    # Optional: kubectl comes with the machine image, not from a package .ci/run can install.
    tool = require_tool("kubectl", optional=True)
    result = subprocess.run(
        [tool, "kustomize", str(KUBERNETES)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    kinds = sorted(d["kind"] for d in yaml.safe_load_all(result.stdout) if d)
    assert kinds == ["Deployment", "PodDisruptionBudget", "PodMonitor", "Service"]
