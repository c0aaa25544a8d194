"""The README's shell examples, run as they are written.

Every ```sh block of README.md is read, joined at backslash continuations, split at `&&`,
and each command in it is handled explicitly, so an example nobody taught this file fails:

- `python3 -m venv .venv`, `. .venv/bin/activate`, `pip install -e .[extras]` and
  `python3 -m pytest` are not run: the extras must exist in pyproject.toml, and the test
  command must be the one `.ci/run` runs.
- `sla-monitor ...` runs as `python -m sla_monitor ...` (this interpreter) in a fresh folder on
  a fresh SQLite file (`SLA_MONITOR_DATABASE_URL`; no other SLA_MONITOR_* variable is kept),
  holding a copy of the demo month unless the line runs `sla-monitor demo` itself. It must
  exit 0. `<claim-id>` becomes a claim of the demo; any other `<placeholder>` fails. When a
  ```text block follows, each of its table rows must be in the output of the last command.
- The block that exports `SLA_MONITOR_API_TOKENS` and runs `sla-monitor serve` is started for
  real on a free port with a token of the test's own, and the curl example is sent to it with
  that token and port substituted: it must answer 200 with `"accepted": 1`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.processes import Process, free_port, start_process, wait_for

REPOSITORY = Path(__file__).resolve().parents[2]
README = REPOSITORY / "README.md"
CLI = (sys.executable, "-m", "sla_monitor")
TIMEOUT = 120  # seconds for one command
DEMO_DATE = "2026-03-25"  # a day of the demo month with breaches of both kinds

# Files the README's commands read, written into each command's folder.
INPUT_FILES = {
    "events.jsonl": json.dumps(
        {
            "event_id": "README-0001-01",
            "claim_id": "README-0001",
            "type": "submitted",
            "occurred_at": "2026-03-02T09:15:00+07:00",
            "channel": "online",
            "branch_code": "JKT",
        }
    )
    + "\n",
    # A branch's spreadsheet saved as CSV by Indonesian Excel: ';', a byte-order mark, CRLF,
    # headers as people type them, local times.
    "cabang.csv": "\ufeffEvent ID;Claim ID;Type;Occurred at;Channel;Branch code\r\n"
    "CSV-1;JHT-CSV-1;submitted;2026-03-02 09:15;offline;jkt\r\n"
    "CSV-2;JHT-CSV-1;documents_completed;02/03/2026 10:00;;\r\n",
}
PLACEHOLDER = re.compile(r"<[A-Za-z][A-Za-z0-9 _-]*>")
TABLE_ROW = ("┃", "│")  # rich's header and body rows; borders and titles are not compared
MIN_TOKEN_LENGTH = 16  # `serve` refuses a shorter API token


# --------------------------------------------------------------------------- reading README.md


@dataclass(frozen=True)
class Block:
    """One ```sh block of README.md, and the ```text block right after it, if any."""

    number: int
    line: int  # of the opening fence
    heading: str
    text: str
    output: str | None

    @property
    def name(self) -> str:
        return f"README.md sh block {self.number} (line {self.line}, under '{self.heading}')"

    def lines(self) -> list[str]:
        """Its logical lines: continuations joined, blank and comment-only lines left out."""
        joined = re.sub(r"\\\n", " ", self.text)
        return [
            line.strip() for line in joined.splitlines() if line.strip() and line.strip()[0] != "#"
        ]


def readme_blocks(text: str) -> list[Block]:
    lines = text.splitlines()
    blocks: list[Block] = []
    heading = ""
    i = 0
    while i < len(lines):
        fence = re.fullmatch(r"```(\w*)\s*", lines[i])
        if fence is None:
            if lines[i].startswith("#"):
                heading = lines[i].lstrip("#").strip()
            i += 1
            continue
        end = _closing_fence(lines, i)
        if fence.group(1) == "sh":
            after = end + 1
            while after < len(lines) and not lines[after].strip():
                after += 1
            output = None
            if after < len(lines) and lines[after].strip() == "```text":
                output = "\n".join(lines[after + 1 : _closing_fence(lines, after)])
            body = "\n".join(lines[i + 1 : end])
            blocks.append(Block(len(blocks) + 1, i + 1, heading, body, output))
        i = end + 1
    return blocks


def _closing_fence(lines: list[str], opening: int) -> int:
    for j in range(opening + 1, len(lines)):
        if lines[j].startswith("```"):
            return j
    raise AssertionError(f"README.md line {opening + 1}: a code block is never closed")


def commands(block: Block, line: str) -> list[list[str]]:
    """The argv of each command of `line`, split at `&&`; any other shell operator fails."""
    # a placeholder is one word (substitute() replaces or refuses it), not redirections
    line = PLACEHOLDER.sub(lambda found: shlex.quote(found.group()), line)
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    result: list[list[str]] = [[]]
    for token in lexer:
        if token == "&&":
            result.append([])
        elif token and set(token) <= set("();<>|&"):
            pytest.fail(f"{block.name}: `{line}` uses `{token}`, which this test does not run")
        else:
            result[-1].append(token)
    return [argv for argv in result if argv]


def kind(block: Block, argv: list[str]) -> str:
    """What a README command is, for this file; an unknown one fails the test."""
    if argv[:4] == ["python3", "-m", "venv", ".venv"] and len(argv) == 4:
        return "venv"
    if argv == [".", ".venv/bin/activate"]:
        return "activate"
    if argv[:2] == ["pip", "install"]:
        return "pip"
    if argv[:3] == ["python3", "-m", "pytest"]:
        return "pytest"
    if argv[0] == "export":
        return "export"
    if argv[:2] == ["sla-monitor", "serve"]:
        return "serve"
    if argv[0] == "sla-monitor":
        return "cli"
    if argv[0] == "curl":
        return "curl"
    pytest.fail(
        f"{block.name}: `{shlex.join(argv)}` is no command tests/docs/test_readme.py knows how "
        "to check or run; teach it there"
    )


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))


def lines_of(*kinds: str) -> list[tuple[Block, str]]:
    """The (block, line) pairs with a command of one of `kinds`, for parametrize."""
    found = []
    for block in BLOCKS:
        for line in block.lines():
            try:
                argvs = commands(block, line)
                kinds_here = {kind(block, argv) for argv in argvs}
            except pytest.fail.Exception:
                kinds_here = {"unknown"}  # test_every_command_is_known names it
            if kinds_here & set(kinds) and "serve" not in kinds_here:
                found.append((block, line))
    return found


def line_id(pair: tuple[Block, str]) -> str:
    block, line = pair
    return f"block{block.number}-line{block.line}-{line.split('#')[0].strip()[:40]}"


# --------------------------------------------------------------------------- running commands


@dataclass(frozen=True)
class Demo:
    """A database holding the demo month, and one of its claims."""

    database: Path
    claim_id: str


def clean_env(database: Path) -> dict[str, str]:
    """This environment without any SLA_MONITOR_* variable, on `database`, in English (the
    language the README's outputs are shown in; the shipped sla.toml says Indonesian)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLA_MONITOR_")}
    env.update(
        {
            "SLA_MONITOR_DATABASE_URL": f"sqlite:///{database}",
            "SLA_MONITOR_LANG": "en",
            "COLUMNS": "200",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def run(argv: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def transcript(result: subprocess.CompletedProcess[str], tail: int = 4000) -> str:
    return (
        f"--- exit status {result.returncode}\n--- stdout\n{result.stdout[-tail:]}\n"
        f"--- stderr\n{result.stderr[-tail:]}"
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """`sla-monitor demo` once; each command that needs it gets a copy of the database."""
    folder = tmp_path_factory.mktemp("readme-demo")
    database = folder / "demo.db"
    env = clean_env(database)
    filled = run([*CLI, "demo"], cwd=folder, env=env)
    assert filled.returncode == 0, f"sla-monitor demo failed\n{transcript(filled)}"
    report = run([*CLI, "report", "--date", DEMO_DATE, "--format", "json"], cwd=folder, env=env)
    assert report.returncode == 0, f"the demo's report failed\n{transcript(report)}"
    breaches = json.loads(report.stdout)["breaches"]
    assert breaches, f"the demo has no breach on {DEMO_DATE} to show a claim of"
    return Demo(database, str(breaches[0]["claim_id"]))


def copy_database(source: Path, target: Path) -> None:
    """The SQLite file and whatever write-ahead log files it has."""
    for path in source.parent.glob(source.name + "*"):
        shutil.copy2(path, target.parent / (target.name + path.name[len(source.name) :]))


def substitute(block: Block, line: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        line = line.replace(placeholder, value)
    left = PLACEHOLDER.findall(line)
    if left:
        pytest.fail(
            f"{block.name}: `{line}` has the placeholder {left[0]}, which "
            f"tests/docs/test_readme.py does not know (it knows {sorted(values)})"
        )
    return line


def excerpt_rows(output: str) -> list[str]:
    return [row.rstrip() for row in output.splitlines() if row.startswith(TABLE_ROW)]


# --------------------------------------------------------------------------- the tests


def test_readme_has_the_examples_this_file_checks() -> None:
    kinds = {kind(b, argv) for b in BLOCKS for line in b.lines() for argv in commands(b, line)}
    missing = {"venv", "activate", "pip", "pytest", "cli", "serve", "curl"} - kinds
    assert not missing, f"README.md has no sh example of: {sorted(missing)}"


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: f"block{block.number}")
def test_every_command_is_known(block: Block) -> None:
    for line in block.lines():
        for argv in commands(block, line):
            kind(block, argv)  # fails on a command nobody taught this file


@pytest.mark.parametrize("pair", lines_of("venv", "activate", "pip", "pytest"), ids=line_id)
def test_install_and_test_commands_name_what_exists(pair: tuple[Block, str]) -> None:
    """Not run (they would install into this environment, or run this suite again)."""
    block, line = pair
    pyproject = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
    extras = set(pyproject["project"].get("optional-dependencies", {}))
    argvs = commands(block, line)
    kinds = [kind(block, argv) for argv in argvs]
    if "activate" in kinds:
        assert "venv" in kinds[: kinds.index("activate")], (
            f"{block.name}: `{line}` activates .venv before creating it"
        )
    for argv in argvs:
        if kind(block, argv) == "pip":
            assert argv[2:3] == ["-e"] and len(argv) == 4, (
                f"{block.name}: `{shlex.join(argv)}`: expected `pip install -e .[extras]`"
            )
            spec = re.fullmatch(r"\.(?:\[([\w,-]+)\])?", argv[3])
            assert spec, f"{block.name}: `{argv[3]}` is not the repository (`.`)"
            unknown = set((spec.group(1) or "").split(",")) - {""} - extras
            assert not unknown, (
                f"{block.name}: `{shlex.join(argv)}` names extras {sorted(unknown)} that "
                f"pyproject.toml does not define (it has {sorted(extras)})"
            )
        elif kind(block, argv) == "pytest":
            ci = (REPOSITORY / ".ci" / "run").read_text(encoding="utf-8")
            assert re.search(rf"^{re.escape(shlex.join(argv))}$", ci, re.MULTILINE), (
                f"{block.name}: `{shlex.join(argv)}` is not the test command of .ci/run"
            )
        elif kind(block, argv) not in {"venv", "activate", "cli"}:
            pytest.fail(f"{block.name}: `{line}` mixes an install with `{shlex.join(argv)}`")


@pytest.mark.parametrize("pair", lines_of("cli"), ids=line_id)
def test_cli_example_runs(pair: tuple[Block, str], demo: Demo, tmp_path: Path) -> None:
    block, line = pair
    text = substitute(block, line, {"<claim-id>": demo.claim_id})
    argvs = commands(block, text)
    database = tmp_path / "readme.db"
    if not any(argv[:2] == ["sla-monitor", "demo"] for argv in argvs):
        copy_database(demo.database, database)
    for name, content in INPUT_FILES.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    env = clean_env(database)
    result: subprocess.CompletedProcess[str] | None = None
    for argv in argvs:
        what = kind(block, argv)
        if what in {"venv", "activate", "pip"}:
            continue  # checked by test_install_and_test_commands_name_what_exists
        assert what == "cli", f"{block.name}: `{text}`: cannot run `{shlex.join(argv)}` here"
        result = run([*CLI, *argv[1:]], cwd=tmp_path, env=env)
        if result.returncode != 0:
            pytest.fail(f"{block.name}: `{shlex.join(argv)}` failed\n{transcript(result)}")
    assert result is not None
    if block.output is not None and line == block.lines()[-1]:
        shown = {row.rstrip() for row in result.stdout.splitlines()}
        for row in excerpt_rows(block.output):
            if row not in shown:
                pytest.fail(
                    f"{block.name}: the output shown after it has a row that "
                    f"`{shlex.join(argvs[-1])}` does not print:\n{row}\n{transcript(result)}"
                )


def the_serve_block() -> tuple[Block, dict[str, str], list[str]]:
    """The block that runs `sla-monitor serve`: its exports and its serve command."""
    found = [
        (block, line)
        for block in BLOCKS
        for line in block.lines()
        if any(kind(block, argv) == "serve" for argv in commands(block, line))
    ]
    assert len(found) == 1, f"expected one `sla-monitor serve` example in README.md: {found}"
    block, serve_line = found[0]
    exports: dict[str, str] = {}
    for line in block.lines():
        for argv in commands(block, line):
            if kind(block, argv) == "export":
                name, _, value = argv[1].partition("=")
                exports[name] = value
            elif kind(block, argv) != "serve":
                pytest.fail(f"{block.name}: `{line}` beside `sla-monitor serve` is not run")
    (serve,) = [argv for argv in commands(block, serve_line) if kind(block, argv) == "serve"]
    return block, exports, serve


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Process, str, str, str]]:
    """The README's serve example, started on a free port with the test's own token.

    Yields the process, the test's token, the README's token and the README's port.
    """
    block, exports, serve = the_serve_block()
    readme_tokens = exports.get("SLA_MONITOR_API_TOKENS", "")
    assert readme_tokens, f"{block.name}: no `export SLA_MONITOR_API_TOKENS=...`"
    readme_token = readme_tokens.split(",")[0]
    for token in readme_tokens.split(","):
        assert len(token) >= MIN_TOKEN_LENGTH and not PLACEHOLDER.search(token), (
            f"{block.name}: the token `{token}` is not one `sla-monitor serve` accepts "
            f"(at least {MIN_TOKEN_LENGTH} characters)"
        )
    assert "--port" in serve, f"{block.name}: `{shlex.join(serve)}` names no --port"
    readme_port = serve[serve.index("--port") + 1]
    port = free_port()
    argv = [*CLI, *serve[1:]]
    argv[argv.index("--port") + 1] = str(port)
    if "--host" in argv:
        argv[argv.index("--host") + 1] = "127.0.0.1"
    token = secrets.token_urlsafe(24)
    env = clean_env(tmp_path / "serve.db")
    env.update({name: value for name, value in exports.items() if name.startswith("SLA_MONITOR_")})
    env["SLA_MONITOR_DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.db'}"  # never the README's
    env["SLA_MONITOR_API_TOKENS"] = token
    process = start_process(f"README {block.name}", argv, port=port, cwd=tmp_path, env=env)
    try:

        def healthy() -> bool | None:
            process.check_alive(" before /healthz answered")
            return True if process.client.get("/healthz").status_code == 200 else None

        wait_for(healthy, timeout=60, what=f"/healthz 200 on port {port}", context=process.output)
        yield process, token, readme_token, readme_port
    finally:
        process.stop()  # SIGTERM, then wait (a kill only if it does not exit)


def test_curl_example_posts_to_the_serve_example(
    server: tuple[Process, str, str, str],
) -> None:
    if shutil.which("curl") is None:
        if os.environ.get("SLA_MONITOR_REQUIRE_TOOLS") == "1":
            pytest.fail("curl is not installed")
        pytest.skip("curl is not installed")
    process, token, readme_token, readme_port = server
    examples = lines_of("curl")
    assert examples, "README.md has no curl example"
    for block, line in examples:
        assert readme_token in line, (
            f"{block.name}: the curl example does not send the token the serve example exports"
        )
        assert f":{readme_port}/" in line, (
            f"{block.name}: the curl example does not reach port {readme_port}, the serve example's"
        )
        text = line.replace(readme_token, token).replace(f":{readme_port}/", f":{process.port}/")
        for argv in commands(block, text):
            assert kind(block, argv) == "curl", f"{block.name}: `{line}` is not only curl"
            result = subprocess.run(
                [*argv, "--silent", "--show-error", "--write-out", "\n%{http_code}"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            body, _, status = result.stdout.rpartition("\n")
            context = f"{transcript(result)}\n{process.output()}"
            assert result.returncode == 0 and status == "200", (
                f"{block.name}: curl did not get a 200\n{context}"
            )
            assert json.loads(body).get("accepted") == 1, (
                f"{block.name}: the event was not accepted\n{context}"
            )
    # the event is stored: the claim the example names is there to read
    data = re.search(r"-d '([^']*)'", examples[0][1])
    assert data, f"{examples[0][0].name}: the curl example posts no -d '...' body"
    posted = json.loads(data.group(1))
    claim = process.client.get(f"/v1/claims/{posted['claim_id']}")
    assert claim.status_code == 200, f"GET /v1/claims: {claim.status_code}\n{process.output()}"


def test_readme_names_no_commit() -> None:
    """Commit hashes belong in CHANGELOG.md and bench/RESULTS.md, not in the README."""
    text = README.read_text(encoding="utf-8")
    hashes = re.findall(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b", text)
    assert not hashes, f"README.md names commits: {sorted(set(hashes))}"


def test_default_database_is_where_the_readme_says(tmp_path: Path) -> None:
    """The Quickstart says the database is `./sla_monitor.db` when nothing else is set."""
    assert "`./sla_monitor.db`" in README.read_text(encoding="utf-8"), (
        "README.md no longer says where the default database is; update this test with it"
    )
    env = clean_env(tmp_path / "unused.db")
    del env["SLA_MONITOR_DATABASE_URL"]
    result = run([*CLI, "db", "upgrade"], cwd=tmp_path, env=env)
    assert result.returncode == 0, transcript(result)
    assert (tmp_path / "sla_monitor.db").is_file(), (
        f"`sla-monitor db upgrade` with no SLA_MONITOR_DATABASE_URL made no ./sla_monitor.db: "
        f"{sorted(path.name for path in tmp_path.iterdir())}\n{transcript(result)}"
    )
