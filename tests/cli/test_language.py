"""The language of the output: --lang, then SLA_MONITOR_LANG, then sla.toml's `language`
(docs/configuration.md#language); report, backlog and claim in Indonesian and in English."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

REPOSITORY_CONFIG = Path(__file__).resolve().parents[2] / "config"
AFTER = "2026-04-02T00:00:00+07:00"  # after the demo month: its open goals are late
FROM_TOML = {"SLA_MONITOR_LANG": ""}  # no setting: sla.toml's language


def configuration(folder: Path, language: str | None) -> Path:
    """A copy of the repository's configuration with `language` (None: no such key)."""
    shutil.copytree(REPOSITORY_CONFIG, folder)
    sla = folder / "sla.toml"
    lines = [line for line in sla.read_text().splitlines() if not line.startswith("language")]
    if language is not None:
        lines.insert(0, f'language = "{language}"')
    sla.write_text("\n".join(lines) + "\n")
    return folder


def test_report_backlog_and_claim_in_indonesian_and_english(run) -> None:  # type: ignore[no-untyped-def]
    assert run("demo", "--per-day", "4").returncode == 0
    report = run("report", "--month", "2026-03", "--by", "branch", extra_env=FROM_TOML)
    assert report.returncode == 0, report.stderr
    text = report.stdout
    assert text.startswith("Laporan SLA 2026-03-01 s.d. 2026-03-31 (Asia/Jakarta), per cabang")
    assert "keadaan per akhir Sel 31 Mar 2026 (24.00 WIB)" in text
    for word in ("cabang", "wilayah", "tepat waktu", "terlambat", "kepatuhan", "berisiko"):
        assert word in text, word
    assert "keterlambatan (waktu kalender)" in text and "keterlambatan (hari kerja)" in text
    assert "Data kalender:" in text and "%" in text and "," in text.split("%")[0][-4:]
    english = run("--lang", "en", "report", "--month", "2026-03", "--by", "branch").stdout
    assert english.startswith("SLA report 2026-03-01 to 2026-03-31 (Asia/Jakarta), by branch")
    assert "as of end of Tue 31 Mar 2026 (24:00 WIB)" in english
    assert "overdue (calendar time)" in english and "Calendar data:" in english

    backlog = run("backlog", "--as-of", AFTER, extra_env=FROM_TOML).stdout
    assert backlog.startswith("Sasaran terbuka berstatus terlambat, yang paling terlambat")
    assert "jatuh tempo" in backlog and "akhir " in backlog and "sasaran terbuka." in backlog
    assert "hari kerja" in backlog and "waktu kalender" in backlog
    rows = json.loads(run("backlog", "--as-of", AFTER, "--format", "json").stdout)["rows"]
    assert rows[0]["status"] == "breached"  # JSON stays English, whatever the language
    assert rows[0]["due_at"].endswith("+07:00") or rows[0]["due_at"][-6] in "+-"

    claim_id = rows[0]["claim_id"]
    claim = run("claim", claim_id, "--as-of", AFTER, extra_env=FROM_TOML).stdout
    assert f"Klaim {claim_id}" in claim and "kanal" in claim and "kebijakan" in claim
    assert "berjalan (waktu kerja)" in claim and "terlambat" in claim and "akhir " in claim
    english_claim = run("claim", claim_id, "--as-of", AFTER).stdout
    assert f"Claim {claim_id}" in english_claim and "elapsed (working time)" in english_claim
    assert "breached" in english_claim and "end of " in english_claim
    missing = run("claim", "NO-SUCH-CLAIM", extra_env=FROM_TOML)
    assert missing.returncode == 1 and "tidak ada klaim 'NO-SUCH-CLAIM'" in missing.stderr


def test_lang_then_environment_then_sla_toml(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade").returncode == 0
    english_toml = configuration(tmp_path / "english", "en")
    no_key = configuration(tmp_path / "no-key", None)
    args = ("report", "--date", "2026-03-25")

    def title(*options: str, env: str, config: Path | None = None) -> str:
        result = run(*options, *args, extra_env={"SLA_MONITOR_LANG": env}, config=config)
        assert result.returncode == 0, result.stderr
        return result.stdout.split(" ", 1)[0]

    assert title(env="") == "Laporan"  # the shipped sla.toml: id
    assert title(env="", config=no_key) == "Laporan"  # no key: id
    assert title(env="", config=english_toml) == "SLA"
    assert title(env="id", config=english_toml) == "Laporan"  # the environment beats sla.toml
    assert title("--lang", "en", env="id") == "SLA"  # --lang beats the environment
    assert title("--lang", "id", env="en", config=english_toml) == "Laporan"


def test_a_bad_language_is_one_clear_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for options, env, named in (
        (("--lang", "fr"), "", "--lang 'fr'"),
        ((), "jv", "SLA_MONITOR_LANG 'jv'"),
    ):
        result = run(*options, "report", extra_env={"SLA_MONITOR_LANG": env})
        assert result.returncode == 2, result.stderr
        assert named in result.stderr and "id (Indonesian) or en (English)" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    bad_toml = configuration(tmp_path / "bad", "fr")
    result = run("report", extra_env=FROM_TOML, config=bad_toml)
    assert result.returncode == 2, result.stderr
    assert "sla.toml" in result.stderr and "unknown language 'fr' in 'language'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
