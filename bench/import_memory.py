#!/usr/bin/env python
"""Peak memory of a collection-file import, as an operator runs it: `sirecords import contributions FILE`
in one process, the reviews that post it in another (as the web pages would).

    .venv/bin/python bench/import_memory.py --mb 64
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sirecords_bench .venv/bin/python bench/import_memory.py --mb 256

Set-up (unmeasured, in this process): staff, the persons and employers the file needs, registered through
reviewed transactions, and the parameter sets (bench/ingest.py's helpers); then a clean collection file of
about --mb megabytes, written in pieces. Measured: each child process's peak resident set size (ru_maxrss
from wait4) and its wall time — the import command (check, store the file sealed, open and submit) and
the reviews (the last one checks the file again from the store and posts the rows). The last line of
output is one JSON object:
    {"mb": …, "rows": …, "import_peak_mb": …, "import_s": …, "post_peak_mb": …, "post_s": …, "engine": …}

Without SIRECORDS_HOME a temporary one is used (SQLite in it unless DATABASE_URL is set); on PostgreSQL use
a throwaway database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

from benchsetup import setup_django  # bench/ is on sys.path when run as a script
from ingest import REGION, load_parameters, make_registry, months_and_types, staff

BYTES_PER_ROW = 106  # a clean row of the generated file, on average
PIECE = 100_000  # rows written at a time

POST_SCRIPT = """
import sys
import django
django.setup()
from sirecords.demo.crew import approve_stages
from sirecords.users.actors import actor_for
from sirecords.workflow.models import BusinessTransaction
tag, uid = sys.argv[1], sys.argv[2]
txn = BusinessTransaction.objects.get(uid=uid)
reviewers = {stage: actor_for(f"bench.{name}.{tag}") for stage, name in
             (("review1", "review1"), ("review2", "review2"), ("review3", "review3"), ("approval", "approval"))}
txn = approve_stages(txn, reviewers, "benchmark")
print(txn.state)
"""


def run_child(command: list[str]) -> tuple[int, float, int, str, str]:
    """Run `command`; (exit status, seconds, peak RSS KiB, stdout, stderr), the peak from wait4 of that child."""
    start = time.perf_counter()
    with open(os.devnull, "rb") as nothing:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.dup2(nothing.fileno(), 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            for fd in (out_r, out_w, err_r, err_w):
                os.close(fd)
            try:
                os.execv(command[0], command)
            finally:
                os._exit(127)
    os.close(out_w)
    os.close(err_w)
    import selectors

    chunks = {out_r: [], err_r: []}
    selector = selectors.DefaultSelector()
    for fd in chunks:
        selector.register(fd, selectors.EVENT_READ)
    while selector.get_map():
        for key, _events in selector.select():
            data = os.read(key.fd, 65536)
            if data:
                chunks[key.fd].append(data)
            else:
                selector.unregister(key.fd)
                os.close(key.fd)
    _pid, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    return (os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss, b"".join(chunks[out_r]).decode(),
            b"".join(chunks[err_r]).decode())


def write_file(path: Path, ids: list[str], usccs: list[str], rows_wanted: int, rng: random.Random,
               kinds_of: dict[tuple[int, int], list[str]]) -> int:
    """A clean collection file of `rows_wanted` rows (or fewer when the persons run out), written in pieces."""
    from sirecords.demo.sample_contributions import collection_csv

    def rows():
        produced = 0
        for year, month in kinds_of:
            period = f"{year:04d}-{month:02d}"
            for p, number in enumerate(ids):
                for kind in kinds_of[(year, month)]:
                    if produced == rows_wanted:
                        return
                    yield number, usccs[p % len(usccs)], period, kind, rng.randrange(200_000, 4_000_000), f"{period}-15"
                    produced += 1

    count = 0
    with open(path, "wb") as out:
        source = rows()
        first = True
        while True:
            piece = [row for _, row in zip(range(PIECE), source)]
            if not piece:
                break
            data = collection_csv(piece, REGION)
            out.write(data if first else data[data.index(b"\n") + 1:])
            first = False
            count += len(piece)
    return count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, required=True, help="size of the collection file in megabytes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary SIRECORDS_HOME")
    args = parser.parse_args(argv)
    _home, temporary = setup_django("sirecords-memory-")
    try:
        return run(args)
    finally:
        if temporary and not args.keep:
            shutil.rmtree(os.environ["SIRECORDS_HOME"], ignore_errors=True)


def run(args) -> int:
    from django.db import connection

    rng = random.Random(args.seed)
    tag = f"m{args.seed}x{args.mb}"
    rows_wanted = args.mb * 1_000_000 // BYTES_PER_ROW
    kinds_of = months_and_types()
    slots = sum(len(kinds) for kinds in kinds_of.values())
    persons = max(3, -(-rows_wanted // slots))
    t = time.perf_counter()
    crew = staff(tag)
    ids, usccs = make_registry(crew, persons, max(1, persons // 100), rng)
    load_parameters(crew, list(kinds_of))
    path = Path(os.environ["SIRECORDS_HOME"]) / f"memory-{args.mb}mb.csv"
    count = write_file(path, ids, usccs, rows_wanted, rng, kinds_of)
    size = path.stat().st_size
    print(f"set-up: {len(ids)} persons, file {count} rows, {size / 1e6:.1f} MB, {time.perf_counter() - t:.1f} s "
          f"({connection.vendor})")
    connection.close()

    python = sys.executable
    status, import_s, import_kib, out, err = run_child(
        [python, "-m", "sirecords.cli", "import", "contributions", str(path), "--actor", f"bench.clerk.{tag}",
         "--reason", "memory benchmark", "--region", REGION, "--no-progress"])
    if status != 0:
        print(out[-4000:], err[-4000:], file=sys.stderr)
        return 1
    found = re.search(r"transaction ([0-9a-f]{32}) submitted", out)
    print(f"import command: peak RSS {import_kib / 1024:.0f} MiB, {import_s:.1f} s")
    status, post_s, post_kib, out, err = run_child([python, "-c", POST_SCRIPT, tag, found[1]])
    if status != 0 or "posted" not in out:
        print(out[-4000:], err[-4000:], file=sys.stderr)
        return 1
    print(f"reviews and posting: peak RSS {post_kib / 1024:.0f} MiB, {post_s:.1f} s")
    print(json.dumps({"mb": round(size / 1e6, 1), "rows": count, "import_peak_mb": round(import_kib / 1024),
                      "import_s": round(import_s, 1), "post_peak_mb": round(post_kib / 1024), "post_s": round(post_s, 1),
                      "engine": connection.vendor}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
