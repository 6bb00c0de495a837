"""The desk forms make what is typed canonical before any check (core/text.py): full-width digits in an ID number,
a region, a phone number, a date or a month are read as ASCII and stored so; Arabic-Indic digits, NUL and other
control characters, and over-long text are refused next to the field, and nothing is opened."""

import pytest

from sirecords.workflow.models import BusinessTransaction
from sirecords.workflow.services import payload_of

from .test_desk_support import ID, error_next_to, open_person, person_form, signer

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789-X", "０１２３４５６７８９－Ｘ")


@pytest.fixture
def clerk(make_staff):
    return signer(make_staff)("clerk.canon", "clerk")


def test_full_width_input_is_stored_as_ascii(clerk):
    txn = open_person(clerk, id_number=" " + ID.translate(FULL_WIDTH) + "　", region="４４０３０５",
                      phone="１３８１２３４５６７８", registered_on="２０２４－０１－１５", name="张伟")
    payload = payload_of(txn)
    assert payload["id_number"] == ID and payload["region"] == "440305" and payload["phone"] == "13812345678"
    assert payload["registered_on"] == "2024-01-15"


@pytest.mark.parametrize("field, value, message", [
    ("region", "٤٤٠٣٠٥", "is not a 6-digit GB/T 2260 region code"),
    ("phone", "١٣٨١٢٣٤٥٦٧٨", "is not a mobile number"),
    ("name", "张\x00伟", "Null characters are not allowed."),
    ("name", "张\x1b伟", "contains the control character U+001B at position 2"),
    ("address", "深圳\u202e市", "contains the control character U+202E at position 3"),
    ("reason", "申请\x07", "contains the control character U+0007 at position 3"),
    ("name", "张" * 51, "at most 50 characters"),
    ("registered_on", "٢٠٢٤-٠١-١٥", "Enter a valid date."),
])
def test_bad_input_is_refused_next_to_the_field(clerk, field, value, message):
    page = clerk.post("/desk/new/register_person/", person_form(**{field: value}))
    error_next_to(page, field, message)
    assert not BusinessTransaction.objects.filter(type="register_person").exists()
