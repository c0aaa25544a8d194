"""A deterministic synthetic workload at the scale of docs/architecture.md#scale, and stores filled with it.

* `write_config` writes a configuration folder: `sla.toml` copied from the repository, and a
  generated `branches.toml` with about a thousand branches over the provinces of WIB
  (Asia/Jakarta), WITA (Asia/Makassar) and WIT (Asia/Jayapura).
* `events` yields the events of N claims in delivery order: the three channels (collective
  claims in employer batches), about ten events a claim (interviews and reschedules, documents
  found incomplete before and after the clock starts, verification, approval, payment), some
  rejected, cancelled, paid late or still open; delivered out of order (a delivery delay per
  event, then shuffled within small windows, some `submitted` events after the claim's later
  events) with about 1% delivered twice. Every event happens before `Workload.end`, a fixed
  instant in the past, so nothing is "in the future" whenever the benchmark runs.
* `Workload(open_only=True)` is a backlog: every claim started (documents complete) and none
  closed, for the evaluation benchmark.
* `write_events` writes a JSONL file; `fill_store` fills a database through the same code path
  as `sla-monitor import` (`import_lines`: parse, `ingest` in big batches,
  then `recompute_stale`), without the JSON encoding and decoding.

The same `Workload` and configuration always give the same events, byte for byte.

Shared with `sla_monitor.services.demo` (the `sla-monitor demo` month): one event's record,
stamped in RFC 3339 in its branch's zone (`demo.claim_event`), and the mix of channels. Its own:
the claims' lifecycles, days and delivery order, because it must reach millions of events
quickly (integer instants, fixed zone offsets), with more steps a claim than the demo and
without changing a benchmark's workload when the demo changes; and its branch choice, a
Zipf-like skew over a seeded order of a thousand generated branches, not the demo's skew
by file order over the repository's registry.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sla_monitor.domain.calendar import working_dates
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.services import demo

REPOSITORY = Path(__file__).resolve().parent.parent
SOURCE_CONFIG = REPOSITORY / "config"

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

END_DATE = date(2026, 10, 31)  # events happen before 00:00 WIT of this date
CHANNEL_WEIGHTS = demo.CHANNEL_WEIGHTS  # the demo month's mix of channels
TERMINAL = frozenset({"paid", "rejected", "cancelled"})
CLOSING = frozenset({"approved", "paid", "rejected", "cancelled"})

# (region, zone, weight ~ formal workforce, cities)
REGIONS: tuple[tuple[str, str, float, tuple[str, ...]], ...] = (
    ("Aceh", "Asia/Jakarta", 1.6, ("Banda Aceh", "Lhokseumawe", "Langsa", "Meulaboh")),
    (
        "Sumatera Utara",
        "Asia/Jakarta",
        5.0,
        (
            "Medan",
            "Binjai",
            "Pematangsiantar",
            "Tebing Tinggi",
            "Sibolga",
            "Rantau Prapat",
            "Kisaran",
            "Padang Sidempuan",
        ),
    ),
    ("Sumatera Barat", "Asia/Jakarta", 1.8, ("Padang", "Bukittinggi", "Payakumbuh", "Solok")),
    ("Riau", "Asia/Jakarta", 2.6, ("Pekanbaru", "Dumai", "Duri", "Rengat", "Bangkinang")),
    ("Kepulauan Riau", "Asia/Jakarta", 1.8, ("Batam", "Tanjung Pinang", "Karimun", "Bintan")),
    ("Jambi", "Asia/Jakarta", 1.1, ("Jambi", "Muara Bungo", "Kuala Tungkal")),
    ("Bengkulu", "Asia/Jakarta", 0.6, ("Bengkulu", "Curup")),
    (
        "Sumatera Selatan",
        "Asia/Jakarta",
        2.6,
        ("Palembang", "Prabumulih", "Lubuk Linggau", "Baturaja", "Muara Enim"),
    ),
    ("Kepulauan Bangka Belitung", "Asia/Jakarta", 0.5, ("Pangkal Pinang", "Tanjung Pandan")),
    ("Lampung", "Asia/Jakarta", 2.4, ("Bandar Lampung", "Metro", "Kotabumi", "Kalianda")),
    (
        "Banten",
        "Asia/Jakarta",
        6.0,
        ("Serang", "Cilegon", "Tangerang", "Tangerang Selatan", "Balaraja", "Rangkasbitung"),
    ),
    (
        "DKI Jakarta",
        "Asia/Jakarta",
        10.0,
        (
            "Jakarta Menara Jamsostek",
            "Jakarta Salemba",
            "Jakarta Kelapa Gading",
            "Jakarta Cilandak",
            "Jakarta Grogol",
            "Jakarta Rawamangun",
            "Jakarta Mangga Dua",
            "Jakarta Tanah Abang",
            "Jakarta Ciracas",
            "Jakarta Cengkareng",
            "Jakarta Pulogadung",
            "Jakarta Kebon Sirih",
            "Jakarta Tanjung Priok",
        ),
    ),
    (
        "Jawa Barat",
        "Asia/Jakarta",
        17.0,
        (
            "Bandung",
            "Bekasi",
            "Bogor",
            "Depok",
            "Cikarang",
            "Karawang",
            "Purwakarta",
            "Cirebon",
            "Sukabumi",
            "Tasikmalaya",
            "Cimahi",
            "Garut",
            "Subang",
            "Majalengka",
            "Indramayu",
            "Cianjur",
        ),
    ),
    (
        "Jawa Tengah",
        "Asia/Jakarta",
        12.0,
        (
            "Semarang",
            "Surakarta",
            "Pekalongan",
            "Tegal",
            "Kudus",
            "Magelang",
            "Purwokerto",
            "Cilacap",
            "Salatiga",
            "Klaten",
            "Jepara",
            "Pati",
            "Kendal",
            "Sragen",
        ),
    ),
    ("DI Yogyakarta", "Asia/Jakarta", 1.6, ("Yogyakarta", "Sleman", "Bantul")),
    (
        "Jawa Timur",
        "Asia/Jakarta",
        14.0,
        (
            "Surabaya",
            "Sidoarjo",
            "Gresik",
            "Malang",
            "Kediri",
            "Madiun",
            "Jember",
            "Pasuruan",
            "Mojokerto",
            "Probolinggo",
            "Banyuwangi",
            "Tuban",
            "Blitar",
            "Lamongan",
            "Bojonegoro",
        ),
    ),
    ("Kalimantan Barat", "Asia/Jakarta", 1.5, ("Pontianak", "Singkawang", "Ketapang", "Sintang")),
    ("Kalimantan Tengah", "Asia/Jakarta", 0.9, ("Palangka Raya", "Sampit", "Pangkalan Bun")),
    ("Bali", "Asia/Makassar", 2.2, ("Denpasar", "Renon", "Singaraja", "Tabanan", "Gianyar")),
    ("Nusa Tenggara Barat", "Asia/Makassar", 1.2, ("Mataram", "Bima", "Sumbawa")),
    ("Nusa Tenggara Timur", "Asia/Makassar", 1.0, ("Kupang", "Maumere", "Ende")),
    (
        "Kalimantan Selatan",
        "Asia/Makassar",
        1.4,
        ("Banjarmasin", "Banjarbaru", "Kotabaru", "Tanjung"),
    ),
    (
        "Kalimantan Timur",
        "Asia/Makassar",
        2.0,
        ("Samarinda", "Balikpapan", "Bontang", "Tenggarong", "Sangatta"),
    ),
    ("Kalimantan Utara", "Asia/Makassar", 0.4, ("Tarakan", "Tanjung Selor")),
    ("Sulawesi Utara", "Asia/Makassar", 0.9, ("Manado", "Bitung", "Kotamobagu")),
    ("Gorontalo", "Asia/Makassar", 0.4, ("Gorontalo", "Limboto")),
    ("Sulawesi Tengah", "Asia/Makassar", 0.9, ("Palu", "Luwuk", "Morowali")),
    ("Sulawesi Barat", "Asia/Makassar", 0.3, ("Mamuju", "Polewali")),
    (
        "Sulawesi Selatan",
        "Asia/Makassar",
        2.8,
        ("Makassar", "Parepare", "Palopo", "Watampone", "Bulukumba"),
    ),
    ("Sulawesi Tenggara", "Asia/Makassar", 0.7, ("Kendari", "Baubau", "Kolaka")),
    ("Maluku", "Asia/Jayapura", 0.5, ("Ambon", "Tual")),
    ("Maluku Utara", "Asia/Jayapura", 0.4, ("Ternate", "Tobelo")),
    ("Papua", "Asia/Jayapura", 0.5, ("Jayapura", "Sentani", "Biak")),
    ("Papua Barat", "Asia/Jayapura", 0.3, ("Manokwari", "Fakfak")),
    ("Papua Barat Daya", "Asia/Jayapura", 0.3, ("Sorong",)),
    ("Papua Tengah", "Asia/Jayapura", 0.3, ("Timika", "Nabire")),
    ("Papua Selatan", "Asia/Jayapura", 0.2, ("Merauke",)),
    ("Papua Pegunungan", "Asia/Jayapura", 0.2, ("Wamena",)),
)
DISTRICTS = ("Kota", "Utara", "Selatan", "Barat", "Timur", "Tengah", "Raya", "Baru", "Lama")
INCOMPLETE_REASONS = (
    "surat keterangan kerja tidak terbaca",
    "buku rekening tidak sesuai nama peserta",
    "paklaring belum dilegalisir",
    "foto KTP buram",
    "swafoto tidak sesuai",
)
REJECT_REASONS = (
    "saldo JHT sudah dicairkan sebelumnya",
    "masa tunggu pengunduran diri belum 1 bulan",
    "data kepesertaan tidak sesuai",
)
CANCEL_REASONS = ("dibatalkan oleh peserta", "peserta bekerja kembali")


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class BranchSpec:
    code: str
    name: str
    region: str
    timezone: str


def make_branches(count: int = 1000) -> list[BranchSpec]:
    """`count` branches spread over the provinces by weight, every province at least one."""
    total = sum(weight for _, _, weight, _ in REGIONS)
    shares = [max(1.0, count * weight / total) for _, _, weight, _ in REGIONS]
    sizes = [int(s) for s in shares]
    # largest remainders take what rounding down left over (or give back what minimums took)
    order = sorted(range(len(REGIONS)), key=lambda i: shares[i] - sizes[i], reverse=True)
    step = 0
    while sum(sizes) != count and step < 10 * len(REGIONS) * max(1, count):
        i = order[step % len(order)]
        if sum(sizes) < count:
            sizes[i] += 1
        elif sizes[i] > 1:
            sizes[i] -= 1
        step += 1
    branches: list[BranchSpec] = []
    for (region, zone, _weight, cities), size in zip(REGIONS, sizes, strict=True):
        for k in range(size):
            city = cities[k % len(cities)]
            round_ = k // len(cities)
            if round_ == 0:
                name = f"Kantor Cabang {city}"
            elif round_ <= len(DISTRICTS):
                name = f"Kantor Cabang Perintis {city} {DISTRICTS[round_ - 1]}"
            else:
                name = f"Kantor Cabang Perintis {city} {round_ - len(DISTRICTS) + 1}"
            branches.append(BranchSpec(f"KC{len(branches) + 1:04d}", name, region, zone))
    return branches


def branches_toml(branches: list[BranchSpec]) -> str:
    lines = [
        "# Generated by bench/workload.py: a synthetic branch registry for benchmarks.",
        "",
    ]
    for b in branches:
        lines += [
            "[[branches]]",
            f'code = "{b.code}"',
            f'name = "{b.name}"',
            f'region = "{b.region}"',
            f'timezone = "{b.timezone}"',
            "",
        ]
    return "\n".join(lines)


def write_config(directory: Path, *, branches: int = 1000) -> Path:
    """sla.toml from the repository's config/, and a generated branches.toml."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE_CONFIG / "sla.toml", directory / "sla.toml")
    (directory / "branches.toml").write_text(
        branches_toml(make_branches(branches)), encoding="utf-8"
    )
    return directory


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Workload:
    """What to generate. Claims are submitted over the `days` days before `end`."""

    claims: int
    seed: int = 2022
    days: int = 70
    end: date = END_DATE
    open_only: bool = False  # a backlog: every claim started and still open at `end`
    duplicate_rate: float = 0.01
    prefix: str = "JHT"  # claim ids are f"{prefix}-{serial:08d}"
    window: int = 64  # events are shuffled within windows of this many, after delivery order

    def describe(self) -> str:
        kind = "open backlog" if self.open_only else "claims"
        return (
            f"{self.claims:,} {kind} over the {self.days} days before {self.end} "
            f"(seed {self.seed}, {self.duplicate_rate:.0%} duplicates)"
        )


def end_instant(day: date = END_DATE) -> int:
    """00:00 of `day` in the easternmost zone (WIT, UTC+9): no branch has reached `day` yet."""
    return (day.toordinal() - EPOCH_ORDINAL) * DAY_US - 9 * HOUR_US


@dataclass
class Stats:
    """What a generation produced, filled in while the events are consumed."""

    claims: int = 0
    events: int = 0  # distinct events
    deliveries: int = 0  # events handed out, duplicates included
    duplicates: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    late_payments: int = 0  # paid after 5 working days
    late_deliveries: int = 0  # delivered a day or more after they happened
    open_claims: int = 0  # no paid, rejected or cancelled by `end`

    def events_per_claim(self) -> float:
        return self.events / self.claims if self.claims else 0.0


class _World:
    def __init__(self, config: SlaConfig, workload: Workload):
        self.workload = workload
        self.rng = random.Random(workload.seed)
        goal = next(g for p in config.policies for g in p.goals)
        spec = config.calendars[goal.calendar]
        first = workload.end - timedelta(days=workload.days + 60)
        self.working = working_dates(spec, first.year, workload.end.year + 1)
        self.working_set = set(self.working)
        self.branches = sorted(config.branches.values(), key=lambda b: b.code)
        if not self.branches:
            raise ValueError("the configuration has no branches")
        # Larger offices get more claims: a stable Zipf-like skew over a seeded order.
        ranks = list(range(len(self.branches)))
        random.Random(workload.seed + 1).shuffle(ranks)
        self.branch_cum = list(accumulate(1.0 / (1 + r / 8) for r in ranks))
        self.offsets = [self._offset(b.timezone) for b in self.branches]
        names = [c for c in CHANNEL_WEIGHTS if c in config.channels] or list(config.channels)
        self.channels = names
        self.channel_cum = list(accumulate(CHANNEL_WEIGHTS.get(c, 0.1) for c in names))
        self.end_us = end_instant(workload.end)

    @staticmethod
    def _offset(zone_name: str) -> int:
        zone = ZoneInfo(zone_name)
        offsets = {
            zone.utcoffset(datetime(year, month, 1)) for year in (2020, 2026) for month in (1, 7)
        }
        if len(offsets) != 1:
            raise ValueError(f"{zone_name}: the workload needs zones without daylight saving")
        (offset,) = offsets
        assert offset is not None
        return int(offset.total_seconds()) * 1_000_000

    def working_day_after(self, day: date, count: int) -> date:
        return self.working[bisect_right(self.working, day) + count - 1]

    def at(self, day: date, offset: int, start_hour: float, end_hour: float) -> int:
        midnight = (day.toordinal() - EPOCH_ORDINAL) * DAY_US - offset
        return midnight + self.rng.randint(int(start_hour * 3600), int(end_hour * 3600)) * 1_000_000

    @staticmethod
    def local_date(instant: int, offset: int) -> date:
        return date.fromordinal(EPOCH_ORDINAL + (instant + offset) // DAY_US)


Step = tuple[str, int, dict[str, Any] | None]  # kind, occurred_at, extra fields


def _claim_steps(world: _World, channel: str, branch: int, day: date) -> tuple[list[Step], bool]:
    """One claim's events in the order they happen, and whether it is paid late."""
    rng, offset = world.rng, world.offsets[branch]
    working_day = day in world.working_set
    steps: list[Step] = []
    if channel == "online":
        submitted = world.at(day, offset, 6, 23)
    else:
        submitted = world.at(day, offset, 8, 14.5)
    steps.append(("submitted", submitted, None))
    # Documents found incomplete at the first check, before the clock starts.
    moment = submitted + rng.randint(20, 240) * MINUTE_US
    for _ in range(rng.choices((0, 1, 2), (0.2, 0.4, 0.4))[0]):
        reason = rng.choice(INCOMPLETE_REASONS)
        steps.append(("documents_incomplete", moment, {"reason": reason}))
        moment += rng.randint(2, 48) * HOUR_US
    # An interview (online video call, or an appointment at the branch), maybe rescheduled.
    local = world.local_date(moment, offset)
    interview_day = world.working_day_after(local, rng.choice((1, 1, 2)))
    if not working_day and channel != "online":
        interview_day = world.working_day_after(day, 1)
    scheduled = moment + rng.randint(5, 30) * MINUTE_US
    steps.append(("interview_scheduled", scheduled, None))
    for _ in range(rng.choices((0, 1, 2), (0.5, 0.35, 0.15))[0]):
        scheduled += rng.randint(1, 20) * HOUR_US
        interview_day = world.working_day_after(interview_day, 1)
        steps.append(("interview_scheduled", scheduled, None))
    interview = world.at(interview_day, offset, 8, 15)
    completed = max(interview, scheduled) + rng.randint(20, 90) * MINUTE_US
    steps.append(("documents_completed", completed, None))
    clock_day = world.local_date(completed, offset)
    # Pauses after the clock started: documents incomplete again, completed days later.
    for _ in range(rng.choices((0, 1, 2), (0.3, 0.4, 0.3))[0]):
        paused = world.at(world.working_day_after(clock_day, 1), offset, 8, 15)
        resumed = paused + rng.randint(1, 8) * DAY_US + rng.randint(0, 4 * 3600) * 1_000_000
        steps.append(("documents_incomplete", paused, {"reason": rng.choice(INCOMPLETE_REASONS)}))
        steps.append(("documents_completed", resumed, None))
        clock_day = world.local_date(resumed, offset)
    late = rng.random() < 0.1
    delay = rng.randint(6, 12) if late else rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
    finish = world.at(world.working_day_after(clock_day, delay), offset, 8, 16)
    fate = rng.random()
    if fate < 0.02:
        cancelled = world.at(world.working_day_after(clock_day, 1), offset, 8, 16)
        steps.append(("cancelled", cancelled, {"reason": rng.choice(CANCEL_REASONS)}))
        late = False
    elif fate < 0.07:
        steps.append(("verified", finish - rng.randint(2, 6) * HOUR_US, None))
        steps.append(("rejected", finish, {"reason": rng.choice(REJECT_REASONS)}))
    elif fate < 0.10:  # stalled: verified, never approved
        steps.append(("verified", finish - rng.randint(2, 6) * HOUR_US, None))
        late = False
    else:
        amount = rng.randint(2_000, 150_000) * 1000
        if amount >= 50_000_000:  # large balances are verified twice: branch, then supervisor
            steps.append(("verified", finish - rng.randint(20, 30) * HOUR_US, None))
        steps.append(("verified", finish - rng.randint(3, 6) * HOUR_US, None))
        steps.append(("approved", finish - rng.randint(1, 2) * HOUR_US, None))
        steps.append(("paid", finish, {"amount": amount}))
    return steps, late


def _open_cut(world: _World, steps: list[Step]) -> list[Step]:
    """A backlog claim: its events up to a random point after the clock started, never closed."""
    start = next(i for i, (kind, _, _) in enumerate(steps) if kind == "documents_completed")
    last = next((i for i, (kind, _, _) in enumerate(steps) if kind in CLOSING), len(steps))
    cut = world.rng.randint(start, max(start, last - 1))
    return steps[: cut + 1]


def _delivery_delay(rng: random.Random, kind: str) -> int:
    draw = rng.random()
    if kind == "paid" and draw < 0.03:  # bank reconciliation arrives days later
        return rng.randint(1, 4) * DAY_US + rng.randint(0, 3600) * 1_000_000
    if draw < 0.90:
        return rng.randint(0, 120) * 1_000_000
    if draw < 0.985:
        return rng.randint(2, 180) * MINUTE_US
    return rng.randint(1, 2) * DAY_US + rng.randint(0, 3600) * 1_000_000


def _day_counts(world: _World) -> list[tuple[date, int]]:
    """How many claims are submitted on each day: fewer at weekends and on holidays."""
    w = world.workload
    days = [w.end - timedelta(days=w.days - i) for i in range(w.days)]
    if w.open_only:  # the clock of every backlog claim has started by `end`
        days = [d for d in days if d <= w.end - timedelta(days=4)] or days[:1]
    weights = [1.0 if d in world.working_set else 0.25 for d in days]
    total = sum(weights)
    shares = [w.claims * x / total for x in weights]
    counts = [int(s) for s in shares]
    left = w.claims - sum(counts)
    for i in sorted(range(len(days)), key=lambda i: shares[i] - counts[i], reverse=True)[:left]:
        counts[i] += 1
    return list(zip(days, counts, strict=True))


def events(config: SlaConfig, workload: Workload, stats: Stats | None = None) -> Iterator[dict]:
    """The events of the workload, in delivery order, as JSON-ready dicts."""
    stats = stats if stats is not None else Stats()
    world = _World(config, workload)
    rng = world.rng
    # pending deliveries by UTC day: (delivery, serial, claim_id, seq, kind, at, branch, extra)
    buckets: dict[int, list[tuple[Any, ...]]] = {}
    order = 0
    serial = 0

    def push(entry: tuple[Any, ...]) -> None:
        buckets.setdefault(entry[0] // DAY_US, []).append(entry)

    def flush(before: int) -> Iterator[dict]:
        for key in sorted(k for k in buckets if k < before):
            items = buckets.pop(key)
            items.sort(key=lambda e: (e[0], e[1]))
            for start in range(0, len(items), workload.window):
                window = items[start : start + workload.window]
                rng.shuffle(window)
                for _, _, claim_id, seq, kind, at, branch, extra in window:
                    stats.deliveries += 1
                    yield demo.claim_event(
                        claim_id, seq, kind, at, world.branches[branch], extra or {}
                    )

    def add_claim(channel: str, branch: int, day: date, extra: dict[str, Any] | None) -> None:
        nonlocal order, serial
        serial += 1
        claim_id = f"{workload.prefix}-{serial:08d}"
        steps, late = _claim_steps(world, channel, branch, day)
        if workload.open_only:
            steps = _open_cut(world, steps)
            late = False
        steps = [s for s in steps if s[1] <= world.end_us]
        stats.claims += 1
        if not any(kind in TERMINAL for kind, _, _ in steps):
            stats.open_claims += 1
        elif late and any(kind == "paid" for kind, _, _ in steps):
            stats.late_payments += 1
        upload = None
        if channel == "collective" and extra is not None:
            upload = extra.pop("_upload")
        for seq, (kind, at, fields) in enumerate(steps, start=1):
            payload = dict(fields) if fields else {}
            if kind == "submitted":
                payload.update(channel=channel, branch_code=world.branches[branch].code)
                if extra:
                    payload.update(extra)
            delay = _delivery_delay(rng, kind)
            delivery = at + delay
            if kind == "submitted" and upload is not None:
                delivery = max(at, upload)  # the employer's batch file, uploaded at day end
            if delivery - at >= DAY_US:
                stats.late_deliveries += 1
            order += 1
            push((delivery, order, claim_id, seq, kind, at, branch, payload or None))
            stats.events += 1
            stats.kinds[kind] = stats.kinds.get(kind, 0) + 1
            if rng.random() < workload.duplicate_rate:
                order += 1
                again = delivery + rng.randint(60, 36 * 3600) * 1_000_000
                push((again, order, claim_id, seq, kind, at, branch, payload or None))
                stats.duplicates += 1

    batch_serial = 0
    for day, count in _day_counts(world):
        yield from flush(day.toordinal() - EPOCH_ORDINAL - 1)  # later claims start after
        working = day in world.working_set
        made = 0
        while made < count:
            channel = (
                rng.choices(world.channels, cum_weights=world.channel_cum)[0]
                if working
                else "online"
            )
            branch = bisect_right(world.branch_cum, rng.random() * world.branch_cum[-1])
            branch = min(branch, len(world.branches) - 1)
            if channel == "collective":
                batch_serial += 1
                group = min(count - made, rng.randint(5, 25))
                employer = f"EMP-{rng.randint(1, 20_000):06d}"
                batch_id = f"BATCH-{day:%y%m%d}-{batch_serial:06d}"
                upload = world.at(day, world.offsets[branch], 16, 20)
                for _ in range(group):
                    extra = {"employer_id": employer, "batch_id": batch_id, "_upload": upload}
                    add_claim(channel, branch, day, extra)
                made += group
            else:
                add_claim(channel, branch, day, None)
                made += 1
    yield from flush(1 << 62)


# --------------------------------------------------------------------------- outputs


def write_events(
    path: Path,
    config: SlaConfig,
    workload: Workload,
    *,
    limit: int | None = None,
    stats: Stats | None = None,
) -> int:
    """Write the workload as JSONL (at most `limit` lines); returns the number of lines."""
    written = 0
    with path.open("w", encoding="utf-8") as sink:
        for event in events(config, workload, stats):
            if limit is not None and written >= limit:
                break
            sink.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
            sink.write("\n")
            written += 1
    return written


def claims_for_events(count: int) -> int:
    """Claims whose workload has at least `count` deliveries (about 9.5 a claim)."""
    return max(10, count // 9 + 10)


FILL_METHOD = (
    "`sla_monitor.services.import_files.import_lines` (`parse_events`, `ingest` in batches "
    "of 20,000, then `recompute_stale`): the `sla-monitor import` path without JSON text"
)


@dataclass(frozen=True)
class Fill:
    """How a store was filled, for the results' notes."""

    workload: Workload
    stats: Stats
    accepted: int
    duplicates: int
    rejected: int
    materialised: int
    seconds: float
    how: str = FILL_METHOD

    def describe(self) -> str:
        s = self.stats
        return (
            f"{self.workload.describe()}: {s.deliveries:,} deliveries "
            f"({s.events_per_claim():.1f} events a claim), accepted {self.accepted:,}, "
            f"duplicates {self.duplicates:,}, rejected {self.rejected:,}, "
            f"{self.materialised:,} claims materialised, in {self.seconds:.1f} s"
        )


def fill_store(
    *,
    db: Any,
    sla: Any,
    workload: Workload,
    now: int | None = None,
    batch_size: int = 20_000,
    progress: Callable[[str], None] = lambda message: None,
) -> Fill:
    """Fill a migrated database with the workload through `import_lines`, as an import does.

    `now` is the instant the store believes it is (default: the workload's end), so the
    same workload always gives the same stored rows.
    """
    from sla_monitor.services.import_files import SourceLine, default_parse_workers, import_lines

    stats = Stats()
    moment = now if now is not None else end_instant(workload.end)
    started = time.perf_counter()
    done = 0

    def lines() -> Iterator[SourceLine]:
        for number, event in enumerate(events(sla.config, workload, stats), start=1):
            yield SourceLine(number, raw=event)

    def on_batch(result: Any) -> None:
        nonlocal done
        done += result.accepted + result.duplicates + len(result.rejected)
        if done % (batch_size * 10) < batch_size:
            progress(f"  filled {done:,} events ({time.perf_counter() - started:.0f} s)")

    def on_materialised(claims: int) -> None:
        pass

    result = import_lines(
        lines(),
        source="bench-fill",
        db=db,
        sla=sla,
        clock=lambda: moment,
        batch_size=batch_size,
        parse_workers=default_parse_workers(),
        on_batch=on_batch,
        on_recomputed=on_materialised,
    )
    return Fill(
        workload=workload,
        stats=stats,
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=len(result.rejections),
        materialised=result.recomputed,
        seconds=time.perf_counter() - started,
    )
