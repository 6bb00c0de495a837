"""Registry transactions: what they accept, what they refuse (field by field), and that a refusal
writes nothing."""

import json
from datetime import date

import pytest
from django.db import connection

from sirecords.core.identifiers import id_check_char, make_id_number
from sirecords.ledger.append import read_head
from sirecords.ledger.models import Entry
from sirecords.registry.models import Employer, Employment, Person
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction

pytestmark = pytest.mark.django_db

ID = make_id_number("440305", date(1985, 6, 15), 123)  # sequence 123: odd, male
USCC = "91350100M000100Y43"


def person_payload(**changes):
    payload = {"id_number": ID, "name": "张伟", "phone": "13812345678", "address": "广东省深圳市南山区科技园路18号", "region": "440305"}
    payload.update(changes)
    return payload


def refused(post_txn, kind, payload):
    before = read_head()[0]
    with pytest.raises(InvalidTransaction) as caught:
        post_txn(kind, payload)
    assert read_head()[0] == before and Entry.objects.count() == before, "a refused transaction wrote entries"
    return caught.value.errors


def test_register_person_derives_birth_date_and_sex_and_seals_personal_data(post_txn):
    entry = post_txn("register_person", person_payload())[0]
    person = Person.objects.get()
    assert (person.birth_date, person.birth_month, person.sex, person.region) == (date(1985, 6, 15), "1985-06", "M", "440305")
    assert (person.id_number, person.name, person.phone) == (ID, "张伟", "13812345678")
    assert person.masked_id_number == ID[:6] + "************"
    assert entry.kind == "person.registered" and entry.subject == f"person:{person.uid}"
    stored = Entry.objects.get(seq=entry.seq).payload
    for secret in (ID, "张伟", "13812345678", "科技园路", "1985-06-15"):
        assert secret not in stored
    assert json.loads(stored)["birth_month"] == "1985-06"
    assert find_person_by_id_number(ID.lower()) == person


def test_nothing_personal_is_stored_in_plain_text(post_txn):
    post_txn("register_person", person_payload())
    with connection.cursor() as cursor:
        for table in ("ledger_entry", "registry_person"):
            cursor.execute(f"SELECT * FROM {table}")
            dump = repr(cursor.fetchall())
            for secret in (ID, "张伟", "13812345678", "科技园路", "1985-06-15", "19850615", "date(1985, 6, 15)"):
                assert secret not in dump, f"{table} holds personal data in plain text"


def test_a_sealed_birth_date_moved_to_another_person_does_not_open(post_txn):
    from sirecords.crypto.sealing import SealBroken

    first = post_txn("register_person", person_payload())[0].payload["person"]
    other = make_id_number("440305", date(1990, 1, 1), 124)
    second = post_txn("register_person", person_payload(id_number=other, name="李四"))[0].payload["person"]
    moved = Person.objects.get(pk=second)
    moved.birth_date_sealed = Person.objects.get(pk=first).birth_date_sealed
    with pytest.raises(SealBroken):
        moved.birth_date  # noqa: B018 (the property opens the sealed value)




def test_legacy_fifteen_digit_number_is_registered_as_eighteen(post_txn):
    legacy = "440305850615123"
    post_txn("register_person", person_payload(id_number=legacy))
    person = Person.objects.get()
    body = "44030519850615123"
    assert person.id_number == body + id_check_char(body)


@pytest.mark.parametrize("changes, field, message", [
    ({"id_number": ID[:-1] + ("0" if ID[-1] != "0" else "1")}, "id_number", "check"),
    ({"id_number": "44030519850230123X"}, "id_number", "date"),
    ({"id_number": "12345"}, "id_number", "18"),
    # GB 11643's own example: valid by the standard, but born 1880: refused for recording, with its own message
    ({"id_number": "440524188001010014"}, "id_number", "before 1900-01-01: valid under GB 11643, but not plausible"),
    ({"name": ""}, "name", "is required"),
    ({"name": "张" * 51}, "name", "at most 50"),
    ({"phone": "12345"}, "phone", "mobile number"),
    ({"region": "44030"}, "region", "6-digit"),
    ({"sex": "F"}, "sex", "does not match the ID number"),
    ({"birth_date": "1985-06-16"}, "birth_date", "does not match the ID number, which gives 1985-06-15"),
    ({"registered_on": "2999-01-01"}, "registered_on", "in the future"),
    ({"salary": 100}, "salary", "not a field"),
])
def test_bad_person_input_is_refused_field_by_field(post_txn, changes, field, message):
    errors = refused(post_txn, "register_person", person_payload(**changes))
    assert field in errors and message in errors[field], errors
    assert ID not in " ".join(errors.values()), "an error message revealed the ID number"


def test_the_same_person_cannot_be_registered_twice(post_txn):
    post_txn("register_person", person_payload())
    errors = refused(post_txn, "register_person", person_payload(name="李四"))
    assert "already registered" in errors["id_number"]


def test_change_person_details(post_txn):
    uid = post_txn("register_person", person_payload())[0].payload["person"]
    post_txn("change_person_details", {"person": uid, "phone": "13900000000", "region": "440306"})
    person = Person.objects.get()
    assert (person.phone, person.region, person.name) == ("13900000000", "440306", "张伟")
    assert refused(post_txn, "change_person_details", {"person": uid}) == {"payload": "names no field to change"}
    assert "no insured person" in refused(post_txn, "change_person_details", {"person": "nobody", "phone": "13900000000"})["person"]


def test_register_employer_and_the_legacy_code_override(post_txn):
    post_txn("register_employer", {"uscc": USCC.lower(), "name": "某某科技有限公司", "region": "440305"})
    assert Employer.objects.get().uscc == USCC
    assert "already registered" in refused(post_txn, "register_employer", {"uscc": USCC, "name": "Another", "region": "440305"})["uscc"]
    legacy = "91110000802100433C"  # fails only the check character
    errors = refused(post_txn, "register_employer", {"uscc": legacy, "name": "老单位", "region": "440305"})
    assert "override" in errors["uscc"]
    post_txn("register_employer", {"uscc": legacy, "name": "老单位", "region": "440305",
                                   "uscc_override": "工商登记原件核对，早期赋码未通过校验"})
    assert Employer.objects.get(uscc=legacy).uscc_override.startswith("工商登记原件")


def test_override_never_accepts_a_malformed_code(post_txn):
    errors = refused(post_txn, "register_employer", {"uscc": "91110000802100433", "name": "X", "region": "440305",
                                                     "uscc_override": "please"})
    assert "only a check-character failure may be overridden" in errors["uscc"]
    errors = refused(post_txn, "register_employer", {"uscc": USCC, "name": "X", "region": "440305", "uscc_override": "why"})
    assert "this code is valid" in errors["uscc_override"]


def test_employment_starts_and_ends(post_txn):
    person = post_txn("register_person", person_payload())[0].payload["person"]
    employer = post_txn("register_employer", {"uscc": USCC, "name": "某某科技有限公司", "region": "440305"})[0].payload["employer"]
    job = post_txn("start_employment", {"person": person, "employer": employer, "start": "2010-03-01"})[0].payload["employment"]
    again = {"person": person, "employer": employer, "start": "2012-01-01"}
    assert "already employed" in refused(post_txn, "start_employment", again)["start"]
    assert "before the start" in refused(post_txn, "end_employment", {"employment": job, "end": "2009-12-31"})["end"]
    post_txn("end_employment", {"employment": job, "end": "2015-12-31"})
    assert Employment.objects.get().end == date(2015, 12, 31)
    assert "already ended" in refused(post_txn, "end_employment", {"employment": job, "end": "2016-01-31"})["employment"]
    too_young = {"person": person, "employer": employer, "start": "2000-01-01"}
    assert "16th birthday" in refused(post_txn, "start_employment", too_young)["start"]


def test_unknown_transaction_type_is_refused(post_txn):
    assert "unknown transaction type" in refused(post_txn, "delete_everything", {})["type"]


def test_a_failure_while_projecting_leaves_nothing_behind(post_txn, monkeypatch):
    from sirecords.ledger import projection

    def broken(entry, store):
        raise RuntimeError("disk full")

    monkeypatch.setitem(projection._projectors, "person.registered", broken)
    with pytest.raises(RuntimeError):
        post_txn("register_person", person_payload())
    assert Entry.objects.count() == 0 and Person.objects.count() == 0 and read_head()[0] == 0
