"""The language of what people read (docs/configuration.md#language): every message of the code
has its Indonesian translation, deadlines read as the day they end, numbers as the language
writes them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.render import i18n

PACKAGE = Path(i18n.__file__).parent.parent
TEMPLATES = PACKAGE / "render" / "templates"
CATALOGUES = sorted((PACKAGE / "locale" / "id" / "LC_MESSAGES").glob("*.po"))
# `message` marks the English text of a domain or service message (domain/messages.py).
KEYWORDS = {"_": None, "n_": (1, 2), "gettext": None, "ngettext": (1, 2), "message": (1,)}
JAKARTA, MAKASSAR = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar")


@pytest.fixture
def language() -> Iterator[None]:
    """Each test chooses its language; the next one starts from the shipped default."""
    before = i18n.language()
    yield
    i18n.set_language(before)


def code_messages() -> set[str | tuple[str, ...]]:
    """Every message the code and the page templates pass to a translation function."""
    found: set[str | tuple[str, ...]] = set()
    sources = [(PACKAGE, [("**.py", "python")])]
    if TEMPLATES.is_dir():
        sources.append((TEMPLATES, [("**.html", "jinja2"), ("**.j2", "jinja2")]))
    for folder, methods in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(folder), method_map=methods, keywords=KEYWORDS
        ):
            found.add(message)
    return found


def catalogue() -> Catalog:
    """Every Indonesian catalogue merged, as the program reads them."""
    merged = Catalog(locale="id")
    for path in CATALOGUES:
        with path.open("rb") as handle:
            for message in read_po(handle, locale="id"):
                if message.id:
                    merged[message.id] = message
    return merged


def _key(message: str | tuple[str, ...]) -> str:
    """A catalogue's key of a message: its singular form."""
    return message[0] if isinstance(message, tuple) else message


def placeholders(text: str) -> set[str]:
    """The {name} of str.format (the code) and the %(name)s of Jinja2 (the page)."""
    return set(re.findall(r"\{[^{}]*\}|%\(\w+\)[sd]", text))


def test_every_message_has_an_indonesian_translation() -> None:
    """A message added to the code without its translation, or a translation that lost a
    placeholder, fails here: add or fix it in sla_monitor/locale/id/LC_MESSAGES/*.po."""
    assert CATALOGUES, "no Indonesian catalogue is shipped"
    merged = catalogue()
    problems = []
    for message in sorted(code_messages(), key=str):
        key = _key(message)
        entry = merged.get(key)
        strings = () if entry is None else entry.string
        strings = (strings,) if isinstance(strings, str) else tuple(strings)
        if entry is None or entry.fuzzy or not all(s.strip() for s in strings) or not strings:
            problems.append(f"no translation: {message!r}")
            continue
        for text in strings:
            if placeholders(text) != placeholders(key):
                problems.append(f"placeholders differ: {key!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_no_catalogue_entry_is_left_over() -> None:
    """A message the code no longer says is removed from the catalogue too."""
    used = {_key(m) for m in code_messages()}
    left_over = sorted(str(m.id) for m in catalogue() if m.id and _key(m.id) not in used)
    assert not left_over, f"obsolete catalogue entries: {left_over}"


@pytest.mark.usefixtures("language")
def test_english_is_the_source_and_indonesian_the_translation() -> None:
    i18n.set_language("en")
    assert i18n._("breached") == "breached"
    assert i18n.n_("{n} open goal.", "{n} open goals.", 2) == "{n} open goals."
    i18n.set_language("id")
    assert i18n._("breached") == "terlambat"
    assert i18n.status_name("at_risk") == "berisiko"
    # Indonesian has one plural form, taken from the catalogue's Plural-Forms.
    assert i18n.n_("{n} open goal.", "{n} open goals.", 1) == "{n} sasaran terbuka."
    assert i18n.n_("{n} open goal.", "{n} open goals.", 5) == "{n} sasaran terbuka."
    assert i18n._("a message nobody translated") == "a message nobody translated"
    with pytest.raises(ValueError, match="choose one of id, en"):
        i18n.set_language("fr")


@pytest.mark.usefixtures("language")
def test_a_deadline_at_midnight_is_the_end_of_the_previous_day() -> None:
    midnight = parse_rfc3339("2026-03-10T00:00:00+07:00")
    i18n.set_language("en")
    assert i18n.deadline_text(midnight, JAKARTA) == "end of Mon 9 Mar 2026 (24:00 WIB)"
    i18n.set_language("id")
    assert i18n.deadline_text(midnight, JAKARTA) == "akhir Sen 9 Mar 2026 (24.00 WIB)"


@pytest.mark.usefixtures("language")
def test_other_instants_and_zones() -> None:
    afternoon = parse_rfc3339("2026-03-09T14:30:00+08:00")
    i18n.set_language("en")
    assert i18n.deadline_text(afternoon, MAKASSAR) == "Mon 9 Mar 2026 14:30 WITA"
    assert i18n.deadline_text(afternoon, ZoneInfo("Asia/Jayapura")) == "Mon 9 Mar 2026 15:30 WIT"
    assert i18n.moment_text(afternoon + 5_000_000, MAKASSAR) == "Mon 9 Mar 2026 14:30:05 WITA"
    # Midnight in Makassar is 23:00 in Jakarta: the end of a day only where it is midnight.
    makassar_midnight = parse_rfc3339("2026-03-10T00:00:00+08:00")
    assert i18n.deadline_text(makassar_midnight, MAKASSAR) == "end of Mon 9 Mar 2026 (24:00 WITA)"
    assert i18n.deadline_text(makassar_midnight, JAKARTA) == "Mon 9 Mar 2026 23:00 WIB"
    assert i18n.deadline_text(afternoon, ZoneInfo("Europe/Paris")).endswith("07:30 UTC+01:00")
    assert i18n.deadline_text(afternoon, ZoneInfo("UTC")).endswith("06:30 UTC")
    i18n.set_language("id")
    assert i18n.deadline_text(afternoon, MAKASSAR) == "Sen 9 Mar 2026 14.30 WITA"


@pytest.mark.usefixtures("language")
def test_numbers_and_spans_as_each_language_writes_them() -> None:
    i18n.set_language("en")
    assert (i18n.integer(12345), i18n.decimal(-1.25), i18n.percent(0.9523)) == (
        "12,345",
        "-1.25",
        "95.2%",
    )
    assert i18n.span(-((2 * 86_400 + 3 * 3600 + 15 * 60) * 1_000_000)) == "-2d 03h 15m"
    assert i18n.span(90 * 60 * 1_000_000) == "1h 30m"
    i18n.set_language("id")
    assert (i18n.integer(12345), i18n.decimal(-1.25), i18n.percent(0.9523)) == (
        "12.345",
        "-1,25",
        "95,2%",
    )
    assert i18n.span((2 * 86_400 + 3 * 3600 + 15 * 60) * 1_000_000) == "2 hari 03 jam 15 mnt"


@pytest.mark.usefixtures("language")
def test_a_page_template_says_the_same_words() -> None:
    environment = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    i18n.install_into(environment)
    template = environment.from_string(
        '{{ _("breached") }} / {{ ngettext("{n} open goal.", "{n} open goals.", 3) }}'
    )
    i18n.set_language("id")
    assert template.render() == "terlambat / {n} sasaran terbuka."
    i18n.set_language("en")
    assert template.render() == "breached / {n} open goals."
