#!/usr/bin/env python
"""Ledger benchmark: bulk append, small postings with and without their checkpoint, full `verify`, and bare
SHA-256 over the same preimages.

    .venv/bin/python bench/ledger.py --entries 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sirecords_bench \\
        .venv/bin/python bench/ledger.py --entries 1000000

Phases, each timed on its own:

1. append: N deterministic synthetic entries (kind "bench.contribution"), one `append_bulk` call
   (one transaction) per batch of --batch entries. Building each batch of NewEntry objects is done
   before the clock starts for that batch and reported separately. Each batch's commit is followed by its
   checkpoint (SIRECORDS_AUTO_CHECKPOINT_SECONDS, default 0), timed with it. -> append_per_s
1b. postings: --postings P appends of 3 entries each (the size of a small business posting), first with no
   checkpoint after them, then each followed by its checkpoint (signed note, stored row, witness copy, the logs'
   heads anchored), as every committed posting is. -> posting_ms, checkpoint_ms (the difference per posting)
2. verify: the full `verify()` that `sirecords verify` runs (chain, checkpoints, witness copies,
   head, projections). verify_per_s = report.entries / seconds. Exit 1 if the report is not ok.
3. bare hashing: the canonical preimage bytes of every ledger entry are rebuilt from the database
   (entry_rows() + preimage()) a chunk at a time; only the `hashlib.sha256(b).digest()` loop over
   each chunk is timed. -> bare_hash_per_s; verify_vs_bare_hashing = verify_per_s / bare_hash_per_s.

Memory stays bounded: at most one batch of entries and one chunk of preimages is held at a time.

If SIRECORDS_HOME is unset, a fresh temporary directory is used (and removed afterwards, unless
--keep), so the benchmark never writes into a developer's ./var. With DATABASE_URL set, entries go
into that PostgreSQL database and stay there (the ledger is append-only): use a throwaway database.
An existing ledger is appended to; the figures describe only what this run appended, while verify
and bare hashing necessarily cover the whole ledger (both report how many entries that is).

The last line of output is one JSON object:
    {"entries": N, "append_per_s": …, "verify_per_s": …, "verify_vs_bare_hashing": …, …}
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import shutil
import sys
import time
from pathlib import Path

from benchsetup import setup_django  # bench/ is on sys.path when run as a script

KIND = "bench.contribution"
HASH_CHUNK = 50_000  # preimages held in memory at once during the bare-hashing phase

# Goals stated for N = 1,000,000 (PostgreSQL append; verify against bare hashing on any engine).
GOAL_APPEND_PER_S = 50_000
GOAL_VERIFY_VS_FLOOR = 0.5  # full verify against reading and hashing each entry once
GOAL_PARALLEL_SPEEDUP = 1.6  # 2 workers against one process
GOAL_INCREMENTAL_SHARE = 0.05  # incremental verify after 1 % new entries against the full verify


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, required=True, metavar="N", help="entries to append")
    parser.add_argument("--batch", type=int, default=50_000, metavar="B",
                        help="entries per append_bulk call, i.e. per transaction (default 50000)")
    parser.add_argument("--postings", type=int, default=300, metavar="P",
                        help="small postings timed without and with their checkpoint (default %(default)s)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the synthetic data (default %(default)s)")
    parser.add_argument("--workers", type=int, default=2, metavar="W",
                        help="processes of the parallel verify (default %(default)s; 1 skips it)")
    parser.add_argument("--new", type=float, default=1.0, metavar="PCT",
                        help="entries added, in percent of --entries, before the incremental verify (default %(default)s; "
                             "0 skips it)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary SIRECORDS_HOME (only when SIRECORDS_HOME was unset)")
    parser.add_argument("--profile", metavar="PREFIX",
                        help="run append and verify under cProfile; write PREFIX-append.pstats and "
                             "PREFIX-verify.pstats and print the top functions to stderr "
                             "(the profiler slows both phases: do not compare those rates with normal runs)")
    args = parser.parse_args(argv)
    if args.entries < 1:
        parser.error("--entries must be at least 1")
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


# --- synthetic data --------------------------------------------------------------------------


def _hex_id(prefix: str, number: int) -> str:
    return f"{prefix}:{hashlib.blake2b(number.to_bytes(8, 'big'), digest_size=16).hexdigest()}"


def synthetic_entries(count: int, seed: int):
    """Deterministic monthly contribution records: for each period, one entry per person.

    About 12 periods' worth of people (count / 12), 1 employer per ~40 people. Payloads have 8
    fields, integer fen amounts and the period as "YYYY-MM"; each canonical payload is ~250 bytes.
    """
    from sirecords.ledger.append import NewEntry

    rng = random.Random(seed)
    persons = max(1, -(-count // 12))
    employers = max(1, persons // 40)
    subjects: dict[int, str] = {}  # one string per person (count / 12 of them), not per entry
    produced = 0
    month = 0
    while produced < count:
        year, mon = divmod(2020 * 12 + month, 12)
        period = f"{year:04d}-{mon + 1:02d}"
        effective = f"{period}-01"
        for person in range(persons):
            if produced >= count:
                return
            subject = subjects.get(person)
            if subject is None:
                subject = subjects[person] = _hex_id("person", person)
            base = rng.randrange(400_000, 3_500_000)  # monthly contribution base, fen
            payload = {
                "period": period,
                "employer": _hex_id("employer", person % employers),
                "base_fen": base,
                "pension_employer_fen": base * 16 // 100,
                "pension_person_fen": base * 8 // 100,
                "medical_employer_fen": base * 95 // 1000,
                "medical_person_fen": base * 2 // 100,
                "unemployment_fen": base * 7 // 1000,
            }
            yield NewEntry(KIND, subject, payload, effective)
            produced += 1
        month += 1


# --- phases ----------------------------------------------------------------------------------


class Phase:
    """Accumulates wall time of the code inside `with phase:`; optionally under cProfile."""

    def __init__(self, profiler=None) -> None:
        self.seconds = 0.0
        self.profiler = profiler

    def __enter__(self):
        if self.profiler is not None:
            self.profiler.enable()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds += time.perf_counter() - self._start
        if self.profiler is not None:
            self.profiler.disable()


def run_append(count: int, batch_size: int, seed: int, profiler=None) -> tuple[int, float, float]:
    """Append `count` entries, one append_bulk call per batch. Returns (appended, append s, build s)."""
    from tqdm import tqdm

    from sirecords.ledger.append import append_bulk
    from sirecords.ledger.context import WriteContext

    appending, building = Phase(profiler), Phase()
    appended = 0
    source = synthetic_entries(count, seed)
    with tqdm(total=count, unit="entry", unit_scale=True, desc="append", file=sys.stderr,
              dynamic_ncols=True, mininterval=0.5) as bar:
        while appended < count:
            with building:
                batch = [entry for _, entry in zip(range(min(batch_size, count - appended)), source)]
            ctx = WriteContext(actor="bench", reason="ledger benchmark", channel="cli")
            with appending:
                done = append_bulk(ctx, batch)
            if done != len(batch):
                raise SystemExit(f"append_bulk returned {done} for a batch of {len(batch)}")
            appended += done
            bar.update(done)
            del batch
    return appended, appending.seconds, building.seconds


def run_postings(count: int) -> tuple[float, float]:
    """`count` postings of 3 entries without, then `count` with a checkpoint after each commit: seconds of each run."""
    from django.test.utils import override_settings

    from sirecords.ledger.append import NewEntry, append_bulk
    from sirecords.ledger.context import WriteContext

    def post(n: int) -> None:
        ctx = WriteContext(actor="bench", reason="ledger benchmark: a small posting", channel="cli")
        append_bulk(ctx, [NewEntry("bench.posting", f"thing:{n}", {"n": n, "part": part}) for part in range(3)])

    seconds = []
    for auto in (None, 0):
        with override_settings(SIRECORDS_AUTO_CHECKPOINT_SECONDS=auto), Phase() as timed:
            for n in range(count):
                post(n)
        seconds.append(timed.seconds)
    return seconds[0], seconds[1]


def run_bare_hashing(sanity_check: bool = True) -> tuple[int, float, float, int]:
    """SHA-256 of every entry's canonical preimage, a chunk at a time.

    Returns (entries, hashing seconds, reading seconds, total preimage bytes).

    With sanity_check, the first preimage of each chunk must reproduce its stored hash (skipped when
    verify already found a tampered ledger, whose stored hashes need not match)."""
    from sirecords.ledger.entry_hash import preimage
    from sirecords.ledger.reading import entry_rows

    sha256 = hashlib.sha256
    hashing, reading = Phase(), Phase()
    total = size = 0
    rows = entry_rows()
    while True:
        with reading:
            chunk: list[bytes] = []
            first_hash = None
            for row in rows:
                # COLUMNS: seq … effective (0-8), payload (9), prev_hash (10), hash (11)
                chunk.append(preimage(*row[:9], row[10], row[9]))
                if first_hash is None:
                    first_hash = row[11]
                if len(chunk) >= HASH_CHUNK:
                    break
        if not chunk:
            break
        # Sanity check (untimed): these are the bytes the stored hashes were computed from.
        if sanity_check and sha256(chunk[0]).hexdigest() != first_hash:
            raise SystemExit("bare hashing: preimage does not reproduce the stored hash; bench is out of date")
        with hashing:
            for b in chunk:
                sha256(b).digest()
        total += len(chunk)
        size += sum(map(len, chunk))
        if len(chunk) < HASH_CHUNK:
            break
    return total, hashing.seconds, reading.seconds, size


def run_read_hash_floor() -> tuple[int, float, int]:
    """What any verifier through this driver must do at least: read every entry with entry_rows() (the query and
    driver verify uses), rebuild its preimage and hash it once. Returns (entries, seconds, total preimage bytes)."""
    from sirecords.ledger.entry_hash import preimage
    from sirecords.ledger.reading import entry_rows

    sha256 = hashlib.sha256
    count = size = 0
    with Phase() as timed:
        for row in entry_rows():
            b = preimage(*row[:9], row[10], row[9])
            sha256(b).digest()
            count += 1
            size += len(b)
    return count, timed.seconds, size


def payload_sizes() -> tuple[float, float]:
    """Mean bytes of the stored payload text and of the whole preimage, over every entry (untimed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT AVG(LENGTH(payload)), AVG(LENGTH(payload) + LENGTH(kind) + LENGTH(subject) + LENGTH(txn) "
                       "+ LENGTH(actor) + LENGTH(reason) + LENGTH(channel) + LENGTH(recorded_at) + LENGTH(effective) "
                       "+ LENGTH(prev_hash)) FROM ledger_entry")
        payload, fields = cursor.fetchone()
    return float(payload or 0), float(fields or 0)


def print_profile(profiler, path: str, title: str, limit: int = 25) -> None:
    import pstats

    profiler.dump_stats(path)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    print(f"\n===== {title}: top {limit} by own time (stats in {path}) =====", file=sys.stderr)
    print(out.getvalue(), file=sys.stderr)


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    home, temporary = setup_django(show_init=True)
    try:
        return bench(args, home)
    finally:
        if temporary and not args.keep:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(home, ignore_errors=True)
        elif temporary:
            print(f"kept SIRECORDS_HOME {home}", file=sys.stderr)


def bench(args: argparse.Namespace, home: Path) -> int:
    from django.db import connection

    from sirecords.core.home import witness_dir
    from sirecords.ledger import verified
    from sirecords.ledger.append import read_head
    from sirecords.ledger.verify import verify

    engine = connection.vendor
    before, _, _ = read_head()
    where = connection.settings_dict["NAME"]
    print(f"engine: {engine} ({where}); SIRECORDS_HOME {home}")
    print(f"ledger before this run: {before:,} entries")

    profilers = {}
    if args.profile:
        import cProfile

        profilers = {"append": cProfile.Profile(), "verify": cProfile.Profile()}

    # 1. append
    appended, append_s, build_s = run_append(args.entries, args.batch, args.seed, profilers.get("append"))
    append_per_s = rate(appended, append_s)
    print(f"append: {appended:,} entries in {append_s:.2f} s = {append_per_s:,.0f} entries/s "
          f"(batches of {args.batch:,}, one append_bulk call each; building the NewEntry objects took "
          f"{build_s:.2f} s more, not counted)")

    # 1b. small postings, without and with their checkpoint
    bare_s, checkpointed_s = run_postings(args.postings) if args.postings else (0.0, 0.0)
    posting_ms = bare_s / max(args.postings, 1) * 1000
    checkpoint_ms = (checkpointed_s - bare_s) / max(args.postings, 1) * 1000
    if args.postings:
        print(f"postings: {args.postings:,} of 3 entries: {posting_ms:.2f} ms each without a checkpoint, "
              f"{checkpointed_s / args.postings * 1000:.2f} ms with one after each: the checkpoint costs "
              f"{checkpoint_ms:.2f} ms per posting")

    # 2. the floor: read every entry through the same driver and hash it once
    floor_n, floor_s, floor_bytes = run_read_hash_floor()
    floor_per_s = rate(floor_n, floor_s)
    mean_payload, mean_fields = payload_sizes()
    print(f"read+hash floor: {floor_n:,} entries read (entry_rows), preimage rebuilt and hashed once in {floor_s:.2f} s "
          f"= {floor_per_s:,.0f}/s; mean preimage {floor_bytes / max(floor_n, 1):.0f} bytes, of which the payload "
          f"{mean_payload:.0f} (the other columns' text {mean_fields - mean_payload:.0f}, JSON quoting the rest)")

    # 3. full verify, one process
    verifying = Phase(profilers.get("verify"))
    with verifying:
        report = verify(witness_dir())
    verify_per_s = rate(report.entries, verifying.seconds)
    full_verify_s = verifying.seconds
    print(f"verify: {report.entries:,} entries in {verifying.seconds:.2f} s = {verify_per_s:,.0f} entries/s "
          f"(ok={report.ok}, checkpoints {report.checkpoints}, projection rows {report.projection_rows})")
    verify_vs_floor = verify_per_s / floor_per_s
    print(f"verify / read+hash floor: {verify_vs_floor:.3f}")
    if report.entries != before + appended + 6 * args.postings:
        print(f"warning: verify saw {report.entries:,} entries, expected {before + appended + 6 * args.postings:,} "
              f"(another writer?)", file=sys.stderr)
    verified.record(report)  # where the incremental run below starts

    if args.profile:
        print_profile(profilers["append"], f"{args.profile}-append.pstats", "append")
        print_profile(profilers["verify"], f"{args.profile}-verify.pstats", "verify")

    problems: list[str] = []  # besides the full verify's findings: make the run fail

    # 4. the same with --workers processes
    parallel_per_s = None
    if args.workers > 1:
        with Phase() as timed:
            parallel = verify(witness_dir(), workers=args.workers)
        parallel_per_s = rate(parallel.entries, timed.seconds)
        same = (parallel.root, parallel.findings) == (report.root, report.findings)
        print(f"verify --workers {args.workers}: {parallel.entries:,} entries in {timed.seconds:.2f} s = "
              f"{parallel_per_s:,.0f} entries/s, {parallel_per_s / verify_per_s:.2f}x one process "
              f"(same root and findings: {same})")
        if not same:
            problems.append(f"verify --workers {args.workers} gave another root or other findings than one process")

    # 5. --new percent more entries, then the incremental verify from the checkpoint the full run verified
    incremental_s = None
    if args.new > 0:
        added, added_s, _ = run_append(max(1, round(args.entries * args.new / 100)), args.batch, args.seed + 1)
        with Phase() as timed:
            incremental = verify(witness_dir(), since_checkpoint=True)
        incremental_s = timed.seconds
        print(f"verify --since-checkpoint after {added:,} more entries: {incremental.entries_checked:,} checked from the "
              f"checkpoint at {incremental.since:,} in {incremental_s:.3f} s = {incremental_s / full_verify_s:.2%} of the "
              f"full verify (mode {incremental.mode}{', ' + incremental.fallback if incremental.fallback else ''}, "
              f"ok={incremental.ok})")
        if not incremental.ok or incremental.mode != "incremental":
            problems.append(f"the incremental verify ran as {incremental.mode} ({incremental.fallback}) with "
                            f"{len(incremental.findings)} finding(s)")

    # 6. bare hashing over the same preimages
    hashed, hash_s, read_s, hashed_bytes = run_bare_hashing(sanity_check=report.ok)
    bare_per_s = rate(hashed, hash_s)
    ratio = verify_per_s / bare_per_s
    print(f"bare sha256: {hashed:,} preimages (mean {hashed_bytes / max(hashed, 1):.0f} bytes) in {hash_s:.3f} s = "
          f"{bare_per_s:,.0f} hashes/s (reading and rebuilding them took {read_s:.2f} s = "
          f"{rate(hashed, read_s):,.0f}/s, not counted)")
    print(f"verify / bare hashing: {ratio:.3f}")

    goals = [f"verify >= {GOAL_VERIFY_VS_FLOOR}x the read+hash floor: {'met' if verify_vs_floor >= GOAL_VERIFY_VS_FLOOR else 'MISSED'}"]
    if parallel_per_s is not None and args.workers == 2:
        speedup = parallel_per_s / verify_per_s
        goals.append(f"2 workers >= {GOAL_PARALLEL_SPEEDUP}x one: {'met' if speedup >= GOAL_PARALLEL_SPEEDUP else 'MISSED'}")
    if incremental_s is not None:
        share = incremental_s / full_verify_s
        goals.append(f"incremental <= {GOAL_INCREMENTAL_SHARE:.0%} of full: {'met' if share <= GOAL_INCREMENTAL_SHARE else 'MISSED'}")
    if engine == "postgresql":
        goals.insert(0, f"append >= {GOAL_APPEND_PER_S:,}/s on PostgreSQL: "
                        f"{'met' if append_per_s >= GOAL_APPEND_PER_S else 'MISSED'}")
    note = "" if args.entries >= 1_000_000 else f" (stated for N = 1,000,000; this run has N = {args.entries:,})"
    print("goals" + note + ": " + "; ".join(goals))
    if args.profile:
        print("note: append and verify ran under cProfile; their rates are not comparable to normal runs")

    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    if not report.ok:
        print(f"VERIFY FAILED: {len(report.findings)} finding(s)", file=sys.stderr)
        for finding in report.findings[:20]:
            print(f"  [{finding.check}] {finding.where}: {finding.message}", file=sys.stderr)

    def sig(value: float, digits: int = 3) -> float:
        return float(f"{value:.{digits}g}")

    result = {
        "entries": appended,
        "append_per_s": round(append_per_s),
        "posting_ms": round(posting_ms, 2),
        "checkpoint_ms": round(checkpoint_ms, 2),
        "verify_per_s": round(verify_per_s),
        "full_verify_s": round(full_verify_s, 3),
        "read_hash_floor_per_s": round(floor_per_s),
        "verify_vs_floor": sig(verify_vs_floor),
        "parallel_verify_per_s": None if parallel_per_s is None else round(parallel_per_s),
        "workers": args.workers,
        "incremental_verify_s": None if incremental_s is None else round(incremental_s, 3),
        "mean_preimage_bytes": round(floor_bytes / max(floor_n, 1)),
        "mean_payload_bytes": round(mean_payload),
        "verify_vs_bare_hashing": sig(ratio),
        "bare_hash_per_s": round(bare_per_s),
        "engine": engine,
        "ledger_entries": report.entries,
        "ok": report.ok and not problems,
    }
    sys.stderr.flush()
    print(json.dumps(result), flush=True)
    return 0 if report.ok and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
