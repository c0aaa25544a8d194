"""Configuration errors name the file, the entry and the problem (docs/configuration.md)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from sla_monitor.config import ConfigError, load_config, parse_branches, parse_sla
from sla_monitor.domain.policy import parse_target
from sla_monitor.settings import PACKAGE_DEFAULTS, REPOSITORY_CONFIG, Settings

CONFIG = Path(__file__).parent.parent.parent / "config"


def sla_data() -> dict[str, Any]:
    return tomllib.loads((CONFIG / "sla.toml").read_text())


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_sla(data, source="sla.toml")
    return str(caught.value)


def test_the_default_configuration_is_the_spec_policy() -> None:
    config = load_config(CONFIG)
    (policy,) = config.policies
    (goal,) = policy.goals
    assert (policy.id, policy.effective_from.isoformat()) == ("sla-2022", "2022-07-07")
    assert goal.target.micros == 432_000 * 1_000_000 and goal.channels == {
        "online",
        "offline",
        "collective",
    }
    zones = {b.timezone for b in config.branches.values()}
    assert zones == {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
    assert {"JKT", "PLG", "DPS", "MKS", "DJJ"} <= set(config.branches)


def test_packaged_defaults_match_the_repository_config() -> None:
    for name in ("sla.toml", "branches.toml"):
        assert (PACKAGE_DEFAULTS / name).read_text() == (CONFIG / name).read_text()
    assert Settings().resolved_config_dir() == REPOSITORY_CONFIG
    assert Settings(config_dir=Path("/elsewhere")).resolved_config_dir() == Path("/elsewhere")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["policies"][0]["goals"][0].update(calendar="office"),
            "unknown calendar 'office'",
        ),
        (
            lambda d: d["policies"][0]["goals"][0].update(target="5 days"),
            "target '5 days' is not understood",
        ),
        (
            lambda d: d["policies"][0]["goals"][0].update(target="0 working days"),
            "positive whole number",
        ),
        (lambda d: d["policies"][0]["goals"][0].pop("stop"), "needs a non-empty 'stop' list"),
        (
            lambda d: d["policies"][0]["goals"][0].update(start=["payed"]),
            "unknown event type(s) ['payed']",
        ),
        (
            lambda d: d["policies"][0]["goals"][0].update(channels=["jmo"]),
            "channels ['jmo'] are not in",
        ),
        (
            lambda d: d["policies"][0]["goals"][0].update(at_risk=1.5),
            "at_risk must be a number in (0, 1]",
        ),
        (lambda d: d.update(report_timezone="Asia/Bali"), "unknown time zone 'Asia/Bali'"),
        (
            lambda d: d["calendars"]["default"].update(office_hours=["16:00", "08:00"]),
            "close after they open",
        ),
        (lambda d: d["calendars"]["default"].update(weekdays=["monday"]), "unknown weekday(s)"),
        (
            lambda d: d["calendars"]["default"].update(extra_holidays=["31-12-2026"]),
            "not an ISO date",
        ),
        (lambda d: d["calendars"]["default"].update(holidays={"country": "XX"}), "cannot provide"),
        (lambda d: d.update(policies=[]), "at least one [[policies]]"),
        (lambda d: d.update(colour="blue"), "unknown key(s) colour"),
    ],
)
def test_configuration_errors_say_where(change: Any, expected: str) -> None:
    data = sla_data()
    change(data)
    message = error_of(data)
    assert message.startswith("sla.toml")
    assert expected in message


def test_goal_errors_name_the_policy_and_goal() -> None:
    data = sla_data()
    data["policies"][0]["goals"][0]["target"] = "soon"
    assert "policy 'sla-2022' goals[0] ('payment')" in error_of(data)


def test_branch_errors() -> None:
    with pytest.raises(ConfigError, match=r"branches.toml: branch 'DPS': unknown time zone 'WITA'"):
        parse_branches(
            {
                "branches": [
                    {"code": "DPS", "name": "Denpasar", "region": "Bali", "timezone": "WITA"}
                ]
            },
            source="branches.toml",
        )
    with pytest.raises(ConfigError, match="used by two branches"):
        entry = {"code": "DPS", "name": "Denpasar", "region": "Bali", "timezone": "Asia/Makassar"}
        parse_branches({"branches": [entry, entry]}, source="branches.toml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sla\.toml: file not found"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("text", "unit", "amount"),
    [
        ("5 working days", "working_days", 5),
        ("1 working day", "working_days", 1),
        ("8 working hours", "working_hours", 8),
        ("36 hours", "hours", 36),
        ("90 minutes", "minutes", 90),
    ],
)
def test_targets(text: str, unit: str, amount: int) -> None:
    target = parse_target(text)
    assert (target.unit, target.amount) == (unit, amount)
