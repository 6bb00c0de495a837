"""Every column of every ledger, projection and chained-log table: one changed value makes verify fail and name the row.

The full ledger is built once for the module, inside a transaction that stays open (tests/conftest.py
outer_transaction); each case changes one value in a savepoint of its own that is rolled back after it
(pytest-django's `db`), triggers and all, so the cases stay independent.
"""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.db import IntegrityError, connection, transaction

from sirecords.ledger import triggers

from ..conftest import outer_transaction, post_entries, staff_factory, test_context
from .test_verify_tamper import build_ledger, findings, run_sql


@pytest.fixture(scope="module")
def full_ledger(django_db_setup, django_db_blocker, tmp_path_factory):
    """The registry ledger plus staff: roles, an agreement, a service token, and a read in the access log; a
    contribution batch, a retiree's award, adjustments, payments, a subsidy and a death. Built once."""
    with outer_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            ledger = build_ledger(post_entries, test_context(), tmp_path_factory.mktemp("tamper") / "witness")
            _add_the_rest(staff_factory())
        yield ledger


def _add_the_rest(staff):
    from django.apps import apps

    from sirecords.demo.sample_contributions import post_sample_batch
    from sirecords.records.access_log import record_access
    from sirecords.workflow.services import execute

    from ..conftest import create_staff_account, issue_approved_token

    staff("ext.t", "maintainer", organisation="外协公司")
    execute(staff.admin, "record_agreement", {"username": "ext.t", "organisation": "外协公司", "signed_on": "2026-01-01",
                                              "expires_on": "2027-01-01"}, region="440300", reason="t", channel="cli")
    create_staff_account(staff.admin, "svc.t", "clerk", kind="service")
    issue_approved_token(staff.admin, "svc.t", "persons:read")
    record_access("ext.t", "person:x", "person.detail", "web", "test")
    post_sample_batch(staff)  # a rule parameter set and a contribution batch: rows in those projections too
    _arrears_paid_and_refunded(staff)
    if apps.is_installed("sirecords.benefits"):
        from sirecords.demo.sample_benefits import post_sample_award

        award = post_sample_award(staff)  # a retiree's pension award and deemed service: rows in benefits_*
        post_entries("adjust_pensions", {"region": "440300", "year": 2025})  # benefits_adjustment
        post_entries("pay_pensions", {"month": "2025-01"})
        person = apps.get_model("benefits", "Award").objects.get(uid=award).person_id
        post_entries("recognise_deemed_service", {"person": person, "start": "1981-01", "end": "1981-12",
                                                  "work_unit": "样例国营工厂"})  # recognised after the award
        post_entries("recompute_award", {"person": person, "trigger": "late_recognition"})  # benefits_recomputation
        if apps.is_installed("sirecords.subsidies"):
            post_entries("grant_subsidy", {"person": person, "scheme": "employment_difficulty", "start": "2023-01",
                                           "end": "2023-01"})  # one row in subsidies_subsidy
        from sirecords.registry.models import Person

        insured = Person.objects.get(birth_month="1984-04").uid  # post_sample_batch's person, not retired
        post_entries("record_death", {"person": insured, "date": "2024-03-05"})  # benefits_account_closure
        from datetime import date, timedelta

        post_entries("withhold_read_disclosure", {"person": person, "reference": "(2026)粤0304刑初1号", "authority": "某法院",
                                                  "disclose_on": (date.today() + timedelta(days=90)).isoformat()})
        if apps.is_installed("sirecords.crosschecks"):
            _crosscheck(staff, person)  # crosscheck_* rows and a benefits_payment_hold
    if apps.is_installed("sirecords.portal"):
        _portal_accounts(staff)
    if apps.is_installed("sirecords.applications"):
        _application()
    if apps.is_installed("sirecords.certificates"):
        _certificate(staff)
    if apps.is_installed("sirecords.disputes"):
        _dispute()
    if apps.is_installed("sirecords.regions"):
        _region()
        if apps.is_installed("sirecords.transfers"):
            _transfer()


def _region():
    """Another pooling region registered, then its keys changed: a row in regions_region (#19, 第十条)."""
    from sirecords.ledger.note import verifier_key

    for seed in (1, 3):
        signing = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32).public_key()
        encryption = X25519PrivateKey.from_private_bytes(bytes([seed + 1]) * 32).public_key().public_bytes_raw()
        post_entries("register_region", {"code": "110105", "name": "北京市东城区",
                                         "verifier_key": verifier_key("sirecords.bj/110105", signing),
                                         "encryption_key": base64.b64encode(encryption).decode()})


def _transfer():
    """post_sample_batch's person (paid months here) asks for their record from the region registered: a row in
    transfers_transfer (#19, 第十条)."""
    from datetime import date

    from sirecords.core.identifiers import make_id_number
    from sirecords.registry.models import Person
    from sirecords.transfers import filestore

    from ..transfers.fake_region import FakeRegion

    person = Person.objects.get(birth_month="1984-04")
    asked = next(entry for entry in post_entries("transfer_request", {"person": person.uid, "from": "110105",
                                                                      "collect": False, "assigned": False})
                 if entry.kind == "transfer.requested")
    # The region left answers with a package (the keys _region registered last): months, deemed service and an account
    # received — rows in contributions_transferred_month, contributions_account_transfer, accounts_deemed_service.
    old = FakeRegion(signing=Ed25519PrivateKey.from_private_bytes(bytes([3]) * 32))
    letter = asked.payload["transfer"]
    package = old.package(letter, "440300", person="p" * 32, id_number=person.id_number,
                          months=[("2019-01", 600000), ("2019-02", 600000)],
                          deemed=[{"region": "110105", "start": "1990-01", "end": "1990-12", "months": 12,
                                   "work_unit": "北京某厂"}])
    post_entries("transfer_in", {"package_sha256": filestore.store(package), "transfer": letter,
                                 "funds_ref": "ICBC-1", "funds_amount": "2400.00"})
    # A correction there sends it again without 2019-02: the supplement withdraws that month here (a row deleted by
    # replay too) and takes 1,200.00 back.
    again = old.package(letter, "440300", person="p" * 32, id_number=person.id_number, months=[("2019-01", 600000)],
                        supplement=1)
    post_entries("transfer_supplement_in", {"package_sha256": filestore.store(again), "transfer": letter,
                                            "funds_ref": "ICBC-2", "funds_amount": "-1200.00"})
    # And _application's person moves out to it: a transfer sent, an account transferred out.
    number = make_id_number("440305", date(1979, 9, 9), 13)
    sent = old.letter("e" * 32, "440300", id_number=number, name="申请")
    post_entries("transfer_out", {"letter_sha256": filestore.store(sent), "letter": "e" * 32, "to": "110105"})


def _dispute():
    """A person's dispute of a month with a scan, refused with its reasons: rows in disputes_case and disputes_evidence."""
    from sirecords.registry.models import Person

    person = Person.objects.order_by("uid").first().uid
    post_entries("file_dispute", {"case": "d" * 32, "person": person, "requester_kind": "person",
                                  "requester": f"person:{person}", "item": "contribution", "period": "2024-01",
                                  "claim": "缴费基数有误", "documents": [{"kind": "evidence", "sha256": "e" * 64,
                                                                       "content_type": "PNG"}]})
    post_entries("refuse_dispute", {"case": "d" * 32, "reason": "记录无误"})


def _crosscheck(staff, retiree: str):
    """A civil-affairs report of the retiree's death (a discrepancy, the pension held) and of someone unregistered."""
    from datetime import date

    from sirecords.core.identifiers import make_id_number
    from sirecords.crosschecks.services import receive
    from sirecords.registry.models import Person

    person = Person.objects.get(uid=retiree)
    stranger = make_id_number("110105", date(1949, 12, 31), 2)
    data = ("id_number,name,event,event_on,source,reference\n"
            f"{person.id_number},{person.name},died,2024-12-10,civil_affairs,MZ-1\n"
            f"{stranger},王五,died,2024-06-01,public_security,GA-7\n").encode()
    receive(staff("cc.t", "clerk"), "person_events", data, file_name="events.csv", reason="t", channel="cli")
    from sirecords.crosschecks.models import Discrepancy

    died = Discrepancy.objects.get(kind="pensioner_died")  # resolved: the months paid after it, an overpayment case
    post_entries("resolve_discrepancy", {"discrepancy": died.id, "reason": "t",
                                         "received_by": {"name": "李某", "relation": "spouse"}})
    post_entries("recover_overpayment", {"case": died.id, "method": "account_offset", "reason": "t"})
    post_entries("pay_survivor_benefits", {"person": retiree, "claimant": "李某", "relation": "spouse", "reason": "t"})
    post_entries("change_id_number", {"person": retiree, "new_id_number": make_id_number("440306", date(1950, 1, 1), 8),
                                      "changed_on": "2025-02-01"})  # a row in registry_former_id_number


def _arrears_paid_and_refunded(staff):
    """A month in arrears paid at the counter with its late fee, and a paid month refunded: a row in
    contributions_reversal."""
    from sirecords.contributions.models import Contribution
    from sirecords.demo.arrears import post_sample_arrears

    post_sample_arrears(staff)
    row = Contribution.objects.get(period="2024-02")
    post_entries("refund_contributions", {"person": row.person_id, "rows": [f"{row.batch_id}:{row.row_number}"],
                                          "ground": "wrong", "reason": "误缴"})


def _certificate(staff):
    """A contributions certificate issued at the counter: a row in certificates_certificate."""
    from sirecords.certificates import services
    from sirecords.ledger.models import Entry
    from sirecords.registry.models import Person

    person = Person.objects.order_by("uid").first()
    seqs = list(Entry.objects.filter(subject=f"person:{person.uid}").values_list("seq", flat=True))
    services.issue(staff("cert.t", "query_officer"), person, "contributions", items=["pension"], purpose="办理贷款",
                   channel="counter", seqs=seqs)


def _application():
    """A unit's written application, approved: a row in applications_decision."""
    from datetime import date

    from sirecords.core.identifiers import make_id_number

    number = make_id_number("440305", date(1979, 9, 9), 13)
    post_entries("register_person", {"id_number": number, "name": "申请", "region": "440305"})
    post_entries("answer_application", {"applicant_kind": "unit", "organisation": "某银行", "contact": "王 1", "purpose": "审查",
                                        "legal_basis": "依据", "persons": [number], "items": ["contributions"],
                                        "months": ["2024-01", "2024-12"], "agreed_use": "仅用于审查"})


def _portal_accounts(staff):
    """An activated person's account and a pending employer account: rows in portal_person_account and
    portal_employer_account."""
    from sirecords.portal import services as portal
    from sirecords.registry.models import Employer, Person

    person = Person.objects.order_by("uid").first()
    portal.activate_person_account(person, password="Quiet-River-Lantern-42", actor=staff("officer.tt", "query_officer"),
                                   channel="counter")
    post_entries("create_employer_portal_account", {"employer": Employer.objects.order_by("uid").first().uid,
                                                    "user_name": "hr", "display_name": "人事", "code_digest": "0" * 64})


@pytest.fixture
def tampered(full_ledger, db):
    """The full ledger, in this case's own savepoint (rolled back after it by `db`)."""
    yield full_ledger
    if connection.vendor == "sqlite":
        # The pragma lasts until the outermost transaction ends, which is the module's: switch it back.
        run_sql("PRAGMA defer_foreign_keys = OFF")


def _columns():
    from sirecords.ledger.models import Checkpoint, Entry, Head, LogHead
    from sirecords.ledger.projection import projected_tables
    from sirecords.records.models import AccessEvent
    from sirecords.workflow.models import Action

    models = (Entry, Head, Checkpoint, *projected_tables().values(), AccessEvent, Action, LogHead)
    return [(model, field.column) for model in models for field in model._meta.concrete_fields]


def test_every_projected_table_is_covered():
    from sirecords.ledger.projection import projected_tables

    assert {"registry_person", "registry_employer", "registry_employment", "users_account", "users_role_grant",
            "users_agreement", "users_api_token"} <= set(projected_tables())


def test_the_full_ledger_verifies_before_any_change(tampered):
    report, found = findings(tampered["witness"])
    assert found == [] and report.ok


@pytest.mark.parametrize("model, column", _columns(), ids=lambda v: getattr(v, "__name__", v))
def test_any_single_changed_value_is_found(tampered, model, column):
    ledger = tampered
    table = model._meta.db_table
    field = next(f for f in model._meta.concrete_fields if f.column == column)
    pk = model._meta.pk.column
    changes_key = column == pk
    quoted = connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {quoted} FROM {table} ORDER BY {pk} DESC LIMIT 1")
        key, value = cursor.fetchone()
    changed = _different(value)
    if table in triggers.APPEND_ONLY_TABLES:
        triggers.drop(connection, (table,))  # only this table's: verify reports each dropped trigger
    if table.startswith("registry_") and column in ("uid", "person_id", "employer_id"):
        run_sql("PRAGMA defer_foreign_keys = ON" if connection.vendor == "sqlite" else "SET CONSTRAINTS ALL DEFERRED")
    try:
        with transaction.atomic():
            run_sql(f"UPDATE {table} SET {quoted} = %s WHERE {pk} = %s", params=[changed, key])
    except IntegrityError:
        # The single-row check constraint of the head refuses it; so do the portal's state constraints and the
        # applications' kind and decision constraints, a recomputation's back pay and overpayment (never both), and a
        # discrepancy's state, a unit's pension scheme, and an overpayment case's figures,
        # a survivors' claim's figures (they add up), a dispute's item, state, requester and outcome (they match),
        # a transfer's direction, state, six-digit region and refusal (with the closed state only), its supplements
        # (a count with the day of the latest, or neither), a received month
        # once per transfer (its key and its period), an account transfer's direction.
        assert (table, column) in {("registry_employer", "scheme"), ("benefits_overpayment_case", "overpaid_fen"),
                                   ("benefits_overpayment_case", "recovered_fen"),
                                   *(("benefits_survivor_claim", c) for c in ("funeral_grant_fen", "survivors_pension_fen",
                                                                               "inheritance_fen", "offset_fen", "paid_fen")),
                                   ("ledger_head", "id"), ("portal_person_account", "state"),
                                   ("benefits_recomputation", "overpayment_fen"),
                                   ("portal_employer_account", "state"), ("applications_decision", "applicant_kind"),
                                   ("applications_decision", "decision"), ("certificates_certificate", "kind"),
                                   ("contributions_reversal", "cause"), ("crosscheck_discrepancy", "state"),
                                   *(("disputes_case", c) for c in ("item", "state", "requester_kind", "transaction",
                                                                    "referred_to")),
                                   *(("transfers_transfer", c) for c in ("direction", "state", "other_region", "refusal",
                                                                         "supplements", "supplemented_on")),
                                   ("contributions_transferred_month", "key"), ("contributions_transferred_month", "period"),
                                   ("contributions_account_transfer", "direction")}
        return
    report, found = findings(ledger["witness"])
    assert not report.ok, f"changing {table}.{column} went unnoticed"
    assert all(f.where.startswith(f"{table}: ") for f in report.findings if f.check == "triggers"), found
    places = {f.where for f in report.findings if f.check != "triggers"}
    new_key = changed if changes_key else key
    if changes_key:
        if table in _projected():
            # The row under its new key was made behind the ledger's back; the one the ledger made is gone.
            assert f"[projection] {table} pk={new_key}: row is not produced by any ledger entry (added behind the ledger's back)" in found
            assert f"[projection] {table} pk={key}: row produced by the ledger is missing (deleted behind its back)" in found
        else:
            assert places & {_place(table, key), _place(table, new_key)}, found
    else:
        assert _place(table, key) in places, found
        if table in _projected():
            named = {f"column {field.column} is", f"column {field.attname} is"}
            assert any(f.where == _place(table, key) and f.message.startswith(tuple(named)) for f in report.findings), found
    # Put the value back so the database's own end-of-test constraint check passes (the savepoint is rolled back after).
    run_sql(f"UPDATE {table} SET {quoted} = %s WHERE {pk} = %s", params=[value, new_key])


def test_a_changed_late_fee_and_a_deleted_reversal_are_named(tampered):
    from sirecords.contributions.models import Contribution, Reversal

    paid = Contribution.objects.get(kind="arrears_payment")
    reversal = Reversal.objects.get()
    # 1,280.00 + 640.00 due 2024-03-31, paid 2024-07-20: 1,920.00 × 0.0005 × 111 days = 106.56.
    assert paid.late_fee_fen == 10_656
    run_sql("UPDATE contributions_contribution SET late_fee_fen = late_fee_fen + 1 WHERE id = %s", params=[paid.pk])
    run_sql("DELETE FROM contributions_reversal")
    report, found = findings(tampered["witness"])
    where = f"contribution batch {paid.batch_id} row {paid.row_number}"
    assert f"[contributions] {where}: row was changed: late_fee_fen differ from the ledger's" in found, found
    assert (f"[contributions] {where}: late fee {paid.late_fee_fen + 1} fen differs from the engine's {paid.late_fee_fen} "
            "fen for 2024-03 paid on 2024-07-20") in found, found
    assert any(f"contributions_reversal pk={reversal.key}: row produced by the ledger is missing" in line for line in found), found


def test_the_full_ledger_verifies_after_every_change_was_rolled_back(tampered):
    """The cases above each ran in a savepoint: none of their changes (or dropped triggers) outlived it."""
    report, found = findings(tampered["witness"])
    assert found == [] and report.ok


def _projected():
    from sirecords.ledger.projection import projected_tables

    return set(projected_tables())


def _place(table, key):
    """How verify names a row of `table` (Finding.where)."""
    return {"ledger_entry": f"entry #{key}", "ledger_checkpoint": f"ledger_checkpoint size={key}",
            "ledger_head": f"ledger_head id={key}", "audit_access_event": f"audit_access_event seq={key}",
            "workflow_action": f"workflow_action id={key}", "ledger_log_head": f"ledger_log_head name={key}",
            }.get(table, f"{table} pk={key}")


def _different(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if value is None:
        return "2024-01-31"
    if hasattr(value, "isoformat"):
        return value.replace(day=1 if value.day != 1 else 2)
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return ("f" if value[0] != "f" else "e") + value[1:]
    if isinstance(value, str) and value.startswith("["):
        return json.dumps(json.loads(value)[:-1]) if json.loads(value) else '["00"]'
    if not value:
        return "x"
    return value[:-1] + ("1" if value[-1] != "1" else "2")  # same length: fits the column
