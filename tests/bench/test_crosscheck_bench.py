"""bench/crosscheck.py runs end to end at a tiny N on the current engine (so it cannot rot): the set-up, both reports
through `receive`, the expected discrepancies found (ok), and the JSON last line."""

from __future__ import annotations

import json
import subprocess
import sys

from .test_query_bench import ROOT, bench_env  # noqa: F401  (the fixture: a fresh home and scratch database)


def test_the_bench_finds_what_its_reports_imply_and_prints_its_figures(bench_env):  # noqa: F811
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "crosscheck.py"), "--persons", "2000", "--events", "200"],
                            cwd=ROOT, env=bench_env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["ok"] is True and figures["persons"] == 2000 and figures["events_rows"] == 200
    assert figures["engine"] == ("postgresql" if "DATABASE_URL" in bench_env else "sqlite")
    assert figures["tax_rows"] == 2000 - 7 + 4 + 2 and figures["tax_rows_per_s"] > 0 and figures["events_rows_per_s"] > 0
