"""The acceptance path on a fresh SIRECORDS_HOME, through the real `sirecords` command (SQLite):
init, demo load, checkpoint, verify; then a value changed with sqlite3 is found and named."""

import hashlib
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from sirecords.backups.database import copy_sqlite
from sirecords.core.periods import Month
from sirecords.demo import flexible, mover, retirees
from sirecords.demo.generate import generate

ROOT = Path(__file__).resolve().parents[2]

TODAY = date.today()

# The commands run on the default SQLite database (the tests read its file); with DATABASE_URL set they would
# repeat the very same SQLite run: .ci/run's SQLite pass (no DATABASE_URL) is the one that runs them.
pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                                reason="end-to-end demo runs on the default SQLite database only: it ran in the pass "
                                       "without DATABASE_URL; set DATABASE_URL= (empty) to run it here")


def _fast_tmp(tmp_path_factory):
    """A fresh folder in RAM (/dev/shm) when the machine has one: the demo load commits hundreds of SQLite
    transactions, and on a disk their fsyncs double its time. Same commands, same SQLite; only the medium differs."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="sirecords-e2e-", dir=shm))
    return tmp_path_factory.mktemp("e2e-home")


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = _fast_tmp(tmp_path_factory)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["SIRECORDS_HOME"] = str(home)

    def run(*args, check=True, database_url=None):
        run_env = dict(env, **({"DATABASE_URL": database_url} if database_url else {}))
        result = subprocess.run([sys.executable, "-m", "sirecords.cli", *args], env=run_env, capture_output=True, text=True,
                                timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"sirecords {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    try:
        for step in (["init"], ["demo", "--load-only"], ["checkpoint", "--actor", "ops.test", "--reason", "e2e"]):
            run(*step)
        yield home, run
    finally:
        if home.parent == Path("/dev/shm"):
            shutil.rmtree(home, ignore_errors=True)


def test_help_lists_the_project_commands(home):
    _, run = home
    out = run("--help").stdout
    for command in ("init", "demo", "serve", "checkpoint", "verify"):
        assert f"  {command} " in out


def test_keys_are_private(home):
    path, _ = home
    for key in (path / "keys").iterdir():
        assert key.stat().st_mode & 0o777 == 0o600, key


def test_fresh_demo_verifies(home):
    _, run = home
    result = run("verify", "--json")
    report = json.loads(result.stdout)
    # A checkpoint after every posting (SIRECORDS_AUTO_CHECKPOINT_SECONDS), each copied to the witness folder.
    assert report["ok"] and report["entries"] > 900 and report["checkpoints"] > 100
    assert report["witness_copies"] >= report["checkpoints"] and report["log_records"]["workflow_action"] > 0


def test_the_demo_moves_to_a_fresh_postgresql_database_with_the_same_root(home):
    """Issue #13's acceptance: `migrate-store` from the demo's SQLite to a fresh PostgreSQL database (created and
    dropped here, on the machine's server) gives the same `verify --json` root; the source file is unchanged."""
    psycopg = pytest.importorskip("psycopg")
    server = "postgres://postgres@127.0.0.1:5432"
    try:
        psycopg.connect(f"{server}/postgres", connect_timeout=3, autocommit=True).close()
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server at 127.0.0.1:5432 (user postgres, trust) to migrate the demo to: {error}")
    path, run = home
    source = path / "sirecords.sqlite3"
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    name = f"sirecords_demo_move_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        moved = json.loads(run("migrate-store", "--to", f"{server}/{name}", "--json").stdout.strip().splitlines()[-1])
        here = json.loads(run("verify", "--json").stdout)
        there = json.loads(run("verify", "--json", database_url=f"{server}/{name}").stdout)
        assert there["ok"], there["findings"][:5]
        assert there["root"] == here["root"] and there["entries"] == here["entries"] > 900
        assert moved["ok"] and moved["source_root"] == moved["target_root"] == here["root"]
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before


def test_database_file_holds_no_personal_data_in_plain_text(home):
    path, _ = home
    raw = b"".join(p.read_bytes() for p in path.glob("sirecords.sqlite3*"))  # the store and any write-ahead log
    data = generate()
    leaks = [value for p in data.persons for value in (p.id_number, p.name, p.phone) if value.encode() in raw]
    leaks += [value for r in retirees.registrations() for value in (r["id_number"], r["name"], r["phone"]) if value.encode() in raw]
    moved = mover.registration(mover.SHENZHEN)
    leaks += [value for value in (moved["id_number"], moved["name"], moved["phone"]) if value.encode() in raw]
    assert leaks == []


def test_database_file_holds_no_totp_seed_in_clear(home):
    """The demo accounts' authenticator seeds (derived from their names, so known here) are sealed in the file."""
    import base64

    from sirecords.demo.accounts import STAFF, demo_key

    path, _ = home
    raw = b"".join(p.read_bytes() for p in path.glob("sirecords.sqlite3*"))  # the store and any write-ahead log
    seeds = [bytes.fromhex(demo_key(username)) for username in STAFF]
    forms = [form for seed in seeds for form in (seed, seed.hex().encode(), base64.b32encode(seed))]
    assert len(forms) == 3 * len(STAFF) and [form for form in forms if form in raw] == []


def test_the_demo_record_has_long_histories_statements_with_interest_retirees_and_subsidies(home):
    path, _ = home
    with sqlite3.connect(path / "sirecords.sqlite3") as db:
        long_histories = db.execute("SELECT COUNT(*) FROM (SELECT person_id FROM contributions_contribution WHERE "
                                    "insurance_type = 'pension' AND paid_on <> '' GROUP BY person_id "
                                    "HAVING COUNT(DISTINCT period) >= 120)").fetchone()[0]
        with_interest = db.execute("SELECT COUNT(DISTINCT person_id) FROM accounts_account_year WHERE "
                                   "interest_on_prior_fen > 0 AND interest_on_credits_fen > 0").fetchone()[0]
        awards = db.execute("SELECT uid, start_month, basic_fen, account_fen, transitional_fen, awarded_fen, total_fen, "
                            "contribution_months, status FROM benefits_award ORDER BY start_month").fetchall()
        paid = dict(db.execute("SELECT award_id, COUNT(*) FROM benefits_payment GROUP BY award_id").fetchall())
        adjusted = db.execute("SELECT COUNT(*) FROM benefits_adjustment").fetchone()[0]
        deemed = db.execute("SELECT COUNT(*) FROM accounts_deemed_service").fetchone()[0]
        subsidised = db.execute("SELECT COUNT(DISTINCT person_id), SUM(amount_fen) FROM subsidies_subsidy").fetchone()
        after_retirement = db.execute("SELECT COUNT(*) FROM accounts_account_year y JOIN benefits_award a ON "
                                      "a.person_id = y.person_id WHERE y.year >= CAST(substr(a.start_month, 1, 4) AS "
                                      "INTEGER)").fetchone()[0]
    assert long_histories >= 20 and with_interest >= 100
    # the pension starts the month after the retirement month (次月)
    assert [a[1] for a in awards] == [str(Month.parse(r.retirement) + 1) for r in retirees.RETIREES]
    for uid, start, basic, account, transitional, awarded, total, months, status in awards:
        assert basic > 0 and account > 0 and transitional > 0 and awarded == basic + account + transitional
        assert total >= awarded and months >= 180 and status == "active"
        first, now = [int(x) for x in start.split("-")], [TODAY.year, TODAY.month]
        assert paid[uid] == (now[0] - first[0]) * 12 + now[1] - first[1] + 1  # every month from the first to this one
    assert adjusted == 1 + 2 + 3 and deemed == 5  # 2024: one retiree, 2025: two, 2026: three; one recognised late
    with sqlite3.connect(path / "sirecords.sqlite3") as db:
        back_pay = db.execute("SELECT month, COUNT(*), SUM(back_pay_fen) FROM benefits_payment WHERE back_pay_fen > 0 "
                              "GROUP BY month ORDER BY month").fetchall()
        owed = db.execute("SELECT SUM(back_pay_fen) FROM benefits_adjustment").fetchone()[0]
        recomputed = db.execute("SELECT award_id, trigger, before_fen, after_fen, months_settled, back_pay_fen, overpayment_fen "
                                "FROM benefits_recomputation").fetchall()
    # one award recomputed (demo/recomputed.py): service recognised late, 2024-10 … 2025-02 paid back in 2025-03's run
    [(award, trigger, before, after, months, recomputed_back_pay, overpaid)] = recomputed
    assert trigger == "late_recognition" and after > before and months == 5 and overpaid == 0
    assert recomputed_back_pay == 5 * (after - before)
    assert [(month, count) for month, count, _ in back_pay] == [("2024-07", 1), ("2025-03", 1), ("2025-07", 2),
                                                                 ("2026-07", 3)]
    assert dict((m, t) for m, _, t in back_pay)["2025-03"] == recomputed_back_pay
    # adjustments published in July: January–June paid back once; the recomputation's back pay once
    assert sum(total for *_, total in back_pay) == owed + recomputed_back_pay > 0
    assert subsidised[0] == retirees.SUBSIDISED and subsidised[1] > 0
    assert after_retirement == 0  # the retirement year is credited as a part year at the award, not by the annual run


def test_the_demo_has_a_flexible_worker_paying_on_her_own(home):
    """The portal's third demo person (issue 10): contributions with no employer, credited to her account."""
    path, _ = home
    with sqlite3.connect(path / "sirecords.sqlite3") as db:
        own = db.execute("SELECT person_id, COUNT(DISTINCT period), COUNT(DISTINCT employer_id) FROM contributions_contribution "
                         "WHERE employer_id IS NULL OR employer_id = '' GROUP BY person_id").fetchall()
        [(person, months, _)] = own
        employed = db.execute("SELECT COUNT(*) FROM registry_employment WHERE person_id = ?", (person,)).fetchone()[0]
        credited = db.execute("SELECT COUNT(*) FROM accounts_account_year WHERE person_id = ?", (person,)).fetchone()[0]
    first = flexible.FIRST_MONTH
    assert months == (2025 - first.year) * 12 + 12 - first.month + 1 and employed == 0 and credited >= 5


def test_the_demo_has_the_mover_until_2025_06_with_his_years_credited(home):
    """Issue #19: the mover (demo/mover.py) contributed here from 2016-01 to 2025-06 with one employer, and no month
    after it (his months from 2025-07 are in the second demo region, tests/demo/test_second_region.py); every year of
    his account is credited; no pension, no dispute."""
    path, _ = home
    with sqlite3.connect(path / "sirecords.sqlite3") as db:
        [(person, employer, start, end)] = db.execute(
            "SELECT e.person_id, r.name, e.start, e.end FROM registry_employment e JOIN registry_employer r ON "
            "r.uid = e.employer_id WHERE r.uscc = ?", (mover.EMPLOYERS[mover.SHENZHEN]["uscc"],)).fetchall()
        months = [period for period, in db.execute("SELECT DISTINCT period FROM contributions_contribution WHERE person_id = ? "
                                                   "AND insurance_type = 'pension' ORDER BY period", (person,))]
        years = [year for year, in db.execute("SELECT year FROM accounts_account_year WHERE person_id = ? ORDER BY year",
                                              (person,))]
        region, registered_on = db.execute("SELECT region, registered_on FROM registry_person WHERE uid = ?",
                                           (person,)).fetchone()
        awards = db.execute("SELECT COUNT(*) FROM benefits_award WHERE person_id = ?", (person,)).fetchone()[0]
        disputes = db.execute("SELECT COUNT(*) FROM disputes_case WHERE person = ?", (person,)).fetchone()[0]
    assert (employer, start, end, region, registered_on) == ("深圳市南粤通达物流有限公司", "2016-01-01", "2025-06-30", "430102",
                                                            "2016-01-01")
    assert (months[0], months[-1], len(months)) == ("2016-01", "2025-06", 114)
    assert years == list(range(2016, 2026)) and awards == disputes == 0


def test_the_demo_shows_a_month_paid_late_with_its_late_fee(home):
    """Issue 12: the flexible worker's 2025-03 came in arrears and was paid at the counter on 2025-07-20 (demo/arrears.py):
    111 days after its due date 2025-03-31, at 0.05% a day on the amount in arrears."""
    path, _ = home
    with sqlite3.connect(path / "sirecords.sqlite3") as db:
        rows = db.execute("SELECT kind, paid_on, arrears_fen, employer_fen + individual_fen, late_fee_fen FROM "
                          "contributions_contribution WHERE employer_id = '' AND period = '2025-03' ORDER BY kind").fetchall()
    [(kind, paid_on, owed, amount, fee), assessment] = rows
    assert (kind, paid_on, owed) == ("arrears_payment", "2025-07-20", 0) and assessment == ("assessment", "", amount, amount, 0)
    assert fee == int((Decimal(amount) * Decimal("0.0005") * 111).quantize(Decimal(1), ROUND_HALF_UP)) > 0


@pytest.mark.parametrize("table, column, value", [
    ("ledger_entry", "payload", "'{}'"),
    ("ledger_entry", "effective", "'1999-01-01'"),
    ("registry_person", "region", "'999999'"),  # no demo region
    ("registry_employment", "start", "'1999-12-31'"),  # demo starts are first-of-month
    ("registry_employer", "status", "'closed'"),
    ("ledger_checkpoint", "actor", "'mallory'"),
])
def test_a_value_changed_with_sqlite3_is_found_and_named(home, table, column, value):
    path, run = home
    db = path / "sirecords.sqlite3"
    saved = path / "before-tampering.sqlite3"
    copy_sqlite(db, saved)  # through SQLite's backup API: the store is in WAL mode, its newest pages may be in the log
    try:
        conn = sqlite3.connect(db)
        try:
            with conn:
                for trigger, in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                    conn.execute(f"DROP TRIGGER {trigger}")
                key_column = "size" if table == "ledger_checkpoint" else ("seq" if table == "ledger_entry" else "uid")
                key, = conn.execute(f"SELECT {key_column} FROM {table} ORDER BY {key_column} LIMIT 1 OFFSET 0").fetchone()
                conn.execute(f"UPDATE {table} SET {column} = {value} WHERE {key_column} = ?", (key,))
        finally:
            conn.close()
        result = run("verify", check=False)
        assert result.returncode == 1, result.stdout
        named = f"entry #{key}" if table == "ledger_entry" else f"{table} {'size=' if key_column == 'size' else 'pk='}{key}"
        assert named in result.stdout, result.stdout
    finally:
        copy_sqlite(saved, db)
        saved.unlink()



def test_demo_logins_as_json_name_staff_persons_and_employers(home):
    """`sirecords demo --logins --json` (issue 10): every demo login, three insured persons and two employers among
    them; a person's and an employer's current code from `sirecords demo --totp LOGIN`."""
    _, run = home
    listed = json.loads(run("demo", "--logins", "--json").stdout)
    kinds = [entry["kind"] for entry in listed]
    assert kinds.count("person") >= 3 and kinds.count("employer") >= 2 and "staff" in kinds
    assert all({"kind", "login", "password", "uscc"} <= set(entry) and entry["password"] for entry in listed)
    assert all(len(entry["uscc"]) == 18 for entry in listed if entry["kind"] == "employer")
    # Issue 17: a person login's label says what it is for; a staff login lists its roles.
    assert {e["label"] for e in listed if e["kind"] == "person"} >= {"worker", "retiree", "flexible", "mover"}
    assert [e["login"] for e in listed if e.get("label") == "mover"] == [mover.id_number()]
    staff = {e["login"]: e["roles"] for e in listed if e["kind"] == "staff"}
    assert "clerk" in staff["clerk.li"] and all(staff.values())
    # One login of each kind that signs in with a code (each `demo --totp` is a process start-up of its own).
    for entry in [next(e for e in listed if e["kind"] == kind) for kind in ("person", "employer")]:
        code = run("demo", "--totp", entry["login"]).stdout.strip()
        assert len(code) == 6 and code.isdigit(), entry
    assert run("demo", "--totp", "nobody.here", check=False).returncode != 0


def test_demo_portal_accounts_and_reads_are_in_the_database(home):
    """The portal accounts are active, the persons were read by others (who read my record is not empty), and a
    court's read of the worker is kept from her by a 第十八条 order."""
    path, _ = home
    with sqlite3.connect(path / "sirecords.sqlite3") as db:
        persons = db.execute("SELECT username FROM portal_person_account WHERE state = 'active'").fetchall()
        employers = db.execute("SELECT username FROM portal_employer_account WHERE state = 'active'").fetchall()
        read_by_others = db.execute(
            "SELECT COUNT(DISTINCT a.subject) FROM audit_access_event a JOIN portal_person_account p ON "
            "a.subject = 'person:' || substr(p.username, 8) WHERE a.actor NOT LIKE 'person:%'").fetchone()[0]
        employer_reads = db.execute("SELECT COUNT(*) FROM audit_access_event WHERE actor LIKE 'employer:%'").fetchone()[0]
        withheld = db.execute("SELECT COUNT(*) FROM records_withheld_reads").fetchone()[0]
    assert len(persons) >= 3 and len(employers) >= 2
    assert read_by_others >= 3 and employer_reads >= 1 and withheld == 1


def test_demo_disputes_one_received_online_one_refused_at_the_counter(home):
    """demo/disputes.py: the worker's month disputed online with a scan, waiting; the flexible worker's registration
    disputed at the counter and refused with the reasons (sealed in the database)."""
    path, _ = home
    with sqlite3.connect(path / "sirecords.sqlite3") as db:
        cases = db.execute("SELECT item, period, state, channel, reason_sealed FROM disputes_case ORDER BY item").fetchall()
        scans = db.execute("SELECT kind FROM disputes_evidence ORDER BY kind").fetchall()
    assert [(item, period, state, channel) for item, period, state, channel, _ in cases] == [
        ("contribution", "2025-06", "received", "web"), ("registration", "", "refused", "counter")]
    assert cases[1][4] and "地址" not in cases[1][4]  # the reasons, sealed
    assert scans == [("evidence",), ("written_request",)]


ISSUE_DEMO_CERTIFICATE = """
from fpdf import FPDF
from sirecords.certificates import services
from sirecords.certificates.signing import sign_certificate
from sirecords.ledger.models import Entry
from sirecords.registry.models import Person
from sirecords.users.actors import actor_for
person = Person.objects.order_by("uid").first()
seqs = list(Entry.objects.filter(subject=f"person:{person.uid}").values_list("seq", flat=True)[:30])
code, entry = services.issue(actor_for("query.he"), person, "contributions", items=["pension"], purpose="e2e", channel="cli",
                             seqs=seqs)
page = FPDF()
page.add_page()
page.set_font("helvetica", size=12)
page.cell(text="demo certificate")
about = {"code": code, "kind": "contributions", "person": "440300************", "issued_at": entry.recorded_at}
open(OUT, "wb").write(sign_certificate(bytes(page.output()), seqs=[*seqs, entry.seq], about=about))
print(code)
"""


def test_a_demo_certificate_verifies_here_and_on_a_machine_with_only_the_root(home, tmp_path):
    path, run = home
    out = tmp_path / "certificate.pdf"
    code = run("shell", "-c", ISSUE_DEMO_CERTIFICATE.replace("OUT", repr(str(out)))).stdout.strip().splitlines()[-1]
    shown = json.loads(run("certificate", "verify", str(out), "--json").stdout)
    assert shown["valid"] is True and shown["code"] == code, shown
    (tmp_path / "root.pem").write_text(run("certificate", "root").stdout)
    elsewhere = subprocess.run([sys.executable, "-m", "sirecords.cli", "certificate", "verify", str(out), "--trust",
                                str(tmp_path / "root.pem")], capture_output=True, text=True, timeout=120,
                               env={**os.environ, "SIRECORDS_HOME": str(tmp_path / "no-instance"),
                                    "DJANGO_SETTINGS_MODULE": "sirecords.settings"})
    assert elsewhere.returncode == 0, elsewhere.stdout + elsewhere.stderr
    changed = bytearray(out.read_bytes())
    changed[len(changed) // 2] ^= 0x01
    out.write_bytes(bytes(changed))
    assert run("certificate", "verify", str(out), check=False).returncode != 0


def _example_order():
    spec = importlib.util.spec_from_file_location("from_demo", ROOT / "examples" / "feeds" / "from_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ORDER


def test_the_example_feeds_give_every_kind_of_discrepancy_against_the_demo(home):
    """Issue 17: examples/feeds/, imported into the demo in their order, queue at least one discrepancy of each kind
    (the last test of this module: it changes the demo's record)."""
    from sirecords.crosschecks.queue import KINDS

    _, run = home
    for kind, name, period in _example_order():
        answer = json.loads(run("crosscheck", "import", kind, str(ROOT / "examples" / "feeds" / name), "--actor",
                                "clerk.li", "--reason", "示例比对 examples", *(["--period", period] if period else []),
                                "--json").stdout)
        assert answer["rows"] > 0 and answer["held"] == 0, (name, answer)
    listed = json.loads(run("crosscheck", "list", "--json").stdout)
    assert {row["kind"] for row in listed} == set(KINDS), sorted({row["kind"] for row in listed})
    assert all(set(row) == {"id", "kind", "subject", "detail", "state", "due_on", "assigned_to", "transaction"}
               for row in listed)


# --- issue #19: a transfer between two demo homes ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_homes(home, tmp_path_factory):
    """A copy of this module's 440300 demo and a fresh 510100 demo, each having registered the other's keys."""
    from tests.transfers.two_homes import OLD, Home, copy_home, load_new_region, trust_each_other

    path, _ = home
    base = _fast_tmp(tmp_path_factory)
    try:
        old = Home(copy_home(path, base / "440300"), OLD)
        new = load_new_region(base / "510100")
        trust_each_other(old, new)
        yield old, new
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _scan(folder: Path) -> str:
    from sirecords.demo.documents import scan

    path = folder / "application.pdf"
    path.write_bytes(scan("申请表 transfer application"))
    return str(path)


def _changed_byte(path: Path, out: Path) -> str:
    data = bytearray(path.read_bytes())
    position = data.index(b'"ciphertext":"') + 40
    data[position] = ord("A") if data[position] != ord("A") else ord("B")
    out.write_bytes(bytes(data))
    return str(out)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_the_mover_is_transferred_from_440300_to_510100_through_the_four_steps(two_homes, engine, tmp_path_factory):
    """Issue #19's acceptance, both engines: the four steps through `sirecords transfer`; the months, the account and
    the status on each side after; each hostile or wrong file refused with nothing opened; a retiree's letter answered
    with a refusal that closes the request; the transfer year's interest credited once, in 510100."""
    from tests.transfers import two_homes as th

    folder = _fast_tmp(tmp_path_factory)
    psycopg = None
    if engine == "postgresql":
        psycopg = pytest.importorskip("psycopg")
        try:
            psycopg.connect(f"{th.SERVER}/postgres", connect_timeout=3, autocommit=True).close()
        except psycopg.OperationalError as error:
            pytest.skip(f"no PostgreSQL server at 127.0.0.1:5432: {error}")
        old, new = (th.on_postgresql(h, folder / h.region, psycopg) for h in two_homes)
    else:
        old, new = (th.Home(th.copy_home(h.path, folder / h.region), h.region) for h in two_homes)
    try:
        _transfer_scenario(th, old, new, folder)
    finally:
        if psycopg is not None:
            th.drop(old, psycopg)
            th.drop(new, psycopg)
        shutil.rmtree(folder, ignore_errors=True)


def _py(*args) -> str:
    return ", ".join(repr(str(a)) if isinstance(a, Path) else repr(a) for a in args)


def _transfer_scenario(th, old, new, folder: Path) -> None:
    """Four batches, each in one process of one home (`sirecords shell` running the commands' own code through
    call_command, and the reviews): the steps interleave the homes only where a file passes between them."""
    mover, retiree = th.login(new, "mover"), th.login(old, "retiree")
    assert th.login(old, "mover") == mover
    scan, year = _scan(folder), TODAY.year
    letter, package, refusal = folder / "letter.json", folder / "package.json", folder / "refusal.json"
    keys = new.json("regions", "self", "--json")

    # The region left, before: the mover's record and the retiree's name; a region of its own province registered.
    before_old, pensioner, _ = old.call(
        f"summary({mover!r}); summary({retiree!r})\n"
        f"register_region('440100', '广州市', {keys['verifier_key']!r}, {keys['encryption_key']!r})")
    assert before_old["status"] == "active" and before_old["contribution_months"] > 0

    # 1. The region joined asks for the mover's record (and gathers the retiree's); each letter once approved.
    first = new.call(
        f"summary({mover!r})\n"
        f"t = cli_json('transfer', 'request', {_py(mover)}, '--from', '{th.OLD}', '--document', {_py(scan)}, '--actor', "
        f"'clerk.li', '--reason', '调入成都工作，申请转入', '--json')['transaction']; approve(t)\n"
        f"cli('transfer', 'letter', t, '--out', {_py(letter)})\n"
        f"letter_as({_py(letter)}, {_py(folder / 'same-province.json')}, '440100')\n"
        f"register_person({retiree!r}, {pensioner['name']!r}, {retiree[:6]!r}, '2026-01-05')\n"
        f"c = cli_json('transfer', 'request', {_py(retiree)}, '--from', '{th.OLD}', '--document', {_py(scan)}, "
        f"'--collect', '--actor', 'clerk.li', '--reason', '归集待遇领取地', '--json')['transaction']; approve(c)\n"
        f"cli('transfer', 'letter', c, '--out', {_py(folder / 'retiree-letter.json')})")
    before_new = first[0]
    asked, collect = (json.loads(first[n]["out"])["transaction"] for n in (1, 6))
    assert before_new["status"] == "active" and first[2] == ["posted"] and first[3]["exit"] == 0

    # 2. The region left: a changed byte and a same-province sender refused, nothing opened; transfer_out approved,
    #    the package written; the retiree's letter refused in writing; hostile copies of the package for step 3.
    out_args = "'--actor', 'clerk.li', '--reason', '办理转出'"
    left = old.call(
        f"counts()\n"
        f"cli('transfer', 'out', {_py(_changed_byte(letter, folder / 'changed-letter.json'))}, {out_args})\n"
        f"cli('transfer', 'out', {_py(folder / 'same-province.json')}, {out_args})\n"
        f"counts()\n"
        f"t = cli_json('transfer', 'out', {_py(letter)}, {out_args}, '--json')['transaction']; approve(t)\n"
        f"cli('transfer', 'package', {asked!r}, '--out', {_py(package)})\n"
        f"resealed({_py(package)}, {_py(folder / 'other-region.json')}, to='120101')\n"
        f"resealed({_py(package)}, {_py(folder / 'unregistered.json')}, sender='120101')\n"
        f"resealed({_py(package)}, {_py(folder / 'lacking.json')}, drop_entry=True)\n"
        f"cli('transfer', 'out', {_py(folder / 'retiree-letter.json')}, {out_args})\n"
        f"cli('transfer', 'refuse', {_py(folder / 'retiree-letter.json')}, '--reason', '已领取基本养老金，不予转移', "
        f"'--actor', 'clerk.li', '--out', {_py(refusal)})\n"
        f"summary({mover!r}); crediting({year}, {mover!r})")
    (opened, changed, near, still, out, approved_out, packaged, _r1, _r2, _r3, retired, refused, after_old,
     left_credit) = left
    assert changed["exit"] and "signature" in changed["out"]
    assert near["exit"] and "同省" in near["out"] and still == opened, "a refused letter opened something"
    assert out["exit"] == 0 and approved_out == ["posted"] and packaged["exit"] == 0
    assert retired["exit"] and "pension" in retired["out"] and refused["exit"] == 0
    assert after_old["status"] == "transferred_out" and after_old["transferred_to"] == th.NEW
    assert after_old["account_balance"] == "0.00"
    assert after_old["contribution_months"] == before_old["contribution_months"]
    assert left_credit["closed"], "the region left must not credit the transfer year"

    # 3–4. The region joined reads the package (only it can), refuses every package that is not the one answering its
    #      letter, receives it; the retiree's request is closed by the written refusal.
    receive = "'--funds-ref', 'ICBC-2026-000123', '--actor', 'clerk.li', '--reason', '基金到账，办理转入'"
    bad = [_changed_byte(package, folder / "changed-package.json"), folder / "other-region.json",
           folder / "unregistered.json", folder / "lacking.json"]
    joined = new.call(
        "counts()\n"
        f"shown = cli_json('transfer', 'show', {_py(package)}, '--json'); total = shown['funds']['total']\n"
        + "".join(f"cli('transfer', 'receive', {_py(path)}, '--funds-amount', total, {receive})\n" for path in bad)
        + f"cli('transfer', 'receive', {_py(package)}, '--funds-amount', '1.00', {receive})\n"
        "counts()\n"
        f"r = cli_json('transfer', 'receive', {_py(package)}, '--funds-amount', total, {receive}, '--json'); "
        "approve(r['transaction'])\n"
        f"cli('transfer', 'receive', {_py(package)}, '--funds-amount', total, {receive})\n"
        f"summary({mover!r}); crediting({year}, {mover!r})\n"
        f"cli('transfer', 'close', {_py(refusal)}, '--actor', 'clerk.li', '--json'); counts()\n"
        "cli('verify', '--json')")
    opened, shown, *refusals, wrong_amount, still, received, approved_in, replay, after_new, joined_credit = joined[:13]
    closed, final, verified = joined[13:]
    shown = json.loads(shown["out"])
    assert shown["from"] == th.OLD and shown["to"] == th.NEW and "*" in shown["person"]["id_number"]
    assert sum(row["months"] for row in shown["rows"] if not row.get("stays")) == before_old["contribution_months"]
    for result, why in zip(refusals, ("signature", "120101", "120101", "left out")):
        assert result["exit"] and why in result["out"], result
    assert wrong_amount["exit"] and "⑥" in wrong_amount["out"] and still == opened, "a refused package opened something"
    received = json.loads(received["out"])
    assert received["total"] == shown["funds"]["total"] and approved_in == ["posted"]
    assert replay["exit"] and "received" in replay["out"]
    assert after_new["contribution_months"] == before_new["contribution_months"] + before_old["contribution_months"]
    assert (Decimal(after_new["account_balance"]) ==
            Decimal(before_new["account_balance"]) + Decimal(received["account"]))
    # The transfer year's interest, once: 510100 credits ④ for the whole year (credit-months ④ × 12).
    account = int(Decimal(received["account"]) * 100)
    assert not joined_credit["closed"]
    assert all(credits >= account and months >= account * 12 for credits, months in joined_credit["credits"].values())
    assert closed["exit"] == 0 and [collect, "in", "closed"] in final["transfers"]
    assert json.loads(verified["out"])["ok"], verified
    report = old.json("verify", "--json")
    assert report["ok"], report["findings"][:5]
