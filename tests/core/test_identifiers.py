from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sirecords.core.identifiers import (
    USCC_ALPHABET,
    InvalidIdentifier,
    check_id_number,
    check_uscc,
    id_check_char,
    id_plausibility,
    make_id_number,
    make_uscc,
    mask_id_number,
    org_code_check_char,
    parse_id_number,
    parse_uscc,
    uscc_check_char,
)

TODAY = date(2026, 11, 1)
VALID_ID = "11010519491231002X"
VALID_USCCS = ["91350100M000100Y43", "91110000802100433B"]


def _raises(code, func, *args, **kwargs):
    with pytest.raises(InvalidIdentifier) as info:
        func(*args, **kwargs)
    assert info.value.code == code, info.value.message
    return info.value


def _with_valid_check(first17):
    return first17 + id_check_char(first17)


# --- resident ID numbers ---------------------------------------------------------


def test_known_valid_id_number():
    parsed = parse_id_number(VALID_ID, today=TODAY)
    assert parsed.normalized == VALID_ID
    assert parsed.address_code == "110105"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"  # sequence 002 is even
    assert not parsed.upgraded_from_15


def test_lowercase_x_and_spaces_accepted():
    assert parse_id_number(" 110105 19491231 002x ", today=TODAY).normalized == VALID_ID


def test_wrong_check_char_names_expected_and_hides_number():
    error = _raises("id_number.checksum", parse_id_number, "110105194912310021", today=TODAY)
    assert "'X' was expected" in error.message
    assert "'1'" in error.message
    assert "110105194912310021" not in error.message
    assert "19491231" not in error.message


@pytest.mark.parametrize("raw", ["", "11010519491231002", "11010519491231002X1", "1101054912310"])
def test_bad_length(raw):
    error = _raises("id_number.length", parse_id_number, raw, today=TODAY)
    assert str(len(raw)) in error.message


@pytest.mark.parametrize(
    "raw, position",
    [
        ("X10105194912310021", 1),
        ("1101051949123100X2", 17),
        ("11010519491231002Y", 18),
        ("١10105194912310021", 1),  # an Arabic-Indic digit: NFKC leaves it, and only ASCII digits are accepted
        ("11010519491231\x00021", 15),  # NUL
    ],
)
def test_bad_charset_names_position(raw, position):
    error = _raises("id_number.charset", parse_id_number, raw, today=TODAY)
    assert f"character {position} " in error.message


def test_full_width_id_number_and_code_are_read_as_ascii():
    """The one canonicalisation rule (core/text.py): NFKC first, so full-width digits and letters are the ASCII ones,
    and the value comes back as stored, ASCII."""
    assert parse_id_number("１１０１０５　１９４９１２３１　００２ｘ", today=TODAY).normalized == VALID_ID
    assert parse_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == VALID_USCCS[0]


def test_fifteen_digit_number_is_upgraded():
    legacy = "110105491231002"
    # By hand: insert "19" after the address code, then MOD 11-2 over 17 digits.
    first17 = "110105" + "19" + "491231002"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    remainder = sum(int(d) * w for d, w in zip(first17, weights)) % 11
    expected = first17 + "10X98765432"[remainder]
    assert expected == VALID_ID

    parsed = parse_id_number(legacy, today=TODAY)
    assert parsed.normalized == expected
    assert parsed.upgraded_from_15
    assert parsed.birth_date == date(1949, 12, 31)


def test_fifteen_digit_number_rejects_x():
    _raises("id_number.charset", parse_id_number, "11010549123100X", today=TODAY)


def test_february_30_rejected():
    number = _with_valid_check("11010519900230001")
    error = _raises("id_number.birth_date", parse_id_number, number, today=TODAY)
    assert "1990-02-30" in error.message


def test_birth_before_1900_is_valid_but_refused_for_recording():
    number = _with_valid_check("11010518991231001")
    error = _raises("id_number.implausible_birth", parse_id_number, number, today=TODAY)
    assert "before 1900-01-01" in error.message and "valid under GB 11643" in error.message
    assert check_id_number(number, today=TODAY).birth_date == date(1899, 12, 31)
    assert [w.code for w in id_plausibility(check_id_number(number, today=TODAY), today=TODAY)] == [
        "id_number.born_before_1900", "id_number.over_120"]


def test_the_standards_own_example_is_valid():
    # GB 11643-1999's example: 440524 18800101 001 check 4 (born 1880, implausible but valid)
    parsed = check_id_number("440524188001010014", today=TODAY)
    assert (parsed.birth_date, parsed.sex, parsed.address_code) == (date(1880, 1, 1), "M", "440524")
    warnings = id_plausibility(parsed, today=TODAY)
    assert [w.code for w in warnings] == ["id_number.born_before_1900", "id_number.over_120"]
    assert "146 years old" in warnings[1].message


def test_over_120_is_a_warning_only():
    # born 1905-06-01: 121 on 2026-11-01; 120 the day before the 121st birthday
    number = _with_valid_check("11010519050601001")
    parsed = parse_id_number(number, today=TODAY)  # recorded: only a birth before 1900 is refused
    assert [w.code for w in id_plausibility(parsed, today=TODAY)] == ["id_number.over_120"]
    assert id_plausibility(parsed, today=date(2026, 5, 31)) == []
    assert id_plausibility(parse_id_number(_with_valid_check("11010519491231002"), today=TODAY), today=TODAY) == []


def test_future_birth_rejected():
    tomorrow = _with_valid_check("11010520261102001")
    _raises("id_number.future_birth", parse_id_number, tomorrow, today=TODAY)
    # Born today is fine.
    assert parse_id_number(_with_valid_check("11010520261101001"), today=TODAY).birth_date == TODAY


def test_all_check_char_substitutions_detected():
    # MOD 11-2 has 11 distinct check values, so every other check character is wrong.
    for replacement in "0123456789X":
        if replacement != VALID_ID[-1]:
            _raises("id_number.checksum", parse_id_number, VALID_ID[:-1] + replacement, today=TODAY)


def test_mask_keeps_only_the_address_code():
    assert mask_id_number(VALID_ID) == "110105************"
    assert mask_id_number("110105491231002") == "110105*********"
    assert mask_id_number("1101 0519 4912 3100 2x") == "110105************"
    assert mask_id_number("1234567") == "*******"
    assert mask_id_number("") == ""


@given(st.text(alphabet="0123456789X", min_size=0, max_size=25))
def test_mask_never_reveals_birth_date_sequence_or_check_character(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    if len(value) >= 15:
        assert masked[:6] == value[:6] and set(masked[6:]) == {"*"}
    else:
        assert set(masked) <= {"*"}


address_codes = st.sampled_from(["110105", "440305", "430102", "510104", "650102"])
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@given(address_codes, births, sequences)
def test_made_id_numbers_parse_back(address_code, birth, sequence):
    parsed = parse_id_number(make_id_number(address_code, birth, sequence), today=TODAY)
    assert parsed.address_code == address_code
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if sequence % 2 else "F")


@given(address_codes, births, sequences, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_substitution_in_id_number_detected(
    address_code, birth, sequence, position, char
):
    number = make_id_number(address_code, birth, sequence)
    if number[position] == char:
        return
    changed = number[:position] + char + number[position + 1 :]
    with pytest.raises(InvalidIdentifier):
        parse_id_number(changed, today=TODAY)


def test_make_id_number_rejects_bad_input():
    with pytest.raises(ValueError):
        make_id_number("11010", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_id_number("110105", date(1990, 1, 1), 1000)


# --- unified social credit codes ------------------------------------------------


@pytest.mark.parametrize("code", VALID_USCCS)
def test_known_valid_usccs(code):
    assert parse_uscc(code) == code
    assert parse_uscc(" " + code.lower() + " ") == code
    assert check_uscc(code) == []
    assert uscc_check_char(code[:17]) == code[17]
    assert org_code_check_char(code[8:16]) == code[16]


def test_org_code_letters_use_gb11714_values():
    # In "M000100Y", M=22 and Y=34 under GB 11714 (A=10), not their GB 32100 indexes.
    assert org_code_check_char("M000100Y") == "4"


def test_org_code_check_special_values():
    # 11 - (S mod 11) gives 10 -> "X" and 11 -> "0".
    assert org_code_check_char("00000000") == "0"  # S = 0
    assert org_code_check_char("40000000") == "X"  # S = 4 * 3 = 12, 12 mod 11 = 1

def test_wrong_overall_check_char():
    error = _raises("uscc.checksum", parse_uscc, "91350100M000100Y4A")
    assert "'3' was expected" in error.message
    assert [p.code for p in check_uscc("91350100M000100Y4A")] == ["uscc.checksum"]


def test_org_check_wrong_but_overall_right():
    first17 = "91350100M000100Y" + "5"  # org check should be "4"
    code = first17 + uscc_check_char(first17)
    error = _raises("uscc.org_checksum", parse_uscc, code)
    assert "'4' was expected" in error.message
    assert [p.code for p in check_uscc(code)] == ["uscc.org_checksum"]


@pytest.mark.parametrize("letter", "IOSVZ")
def test_uscc_forbidden_letters_rejected(letter):
    code = "91350100M000100Y43"
    changed = code[:8] + letter + code[9:]
    error = _raises("uscc.charset", parse_uscc, changed)
    assert f"character 9 ('{letter}')" in error.message
    # Structural failures never come with (overridable) checksum problems.
    assert [p.code for p in check_uscc(changed)] == ["uscc.charset"]


@pytest.mark.parametrize("raw", ["", "91350100M000100Y4", "91350100M000100Y433"])
def test_uscc_bad_length(raw):
    _raises("uscc.length", parse_uscc, raw)


uscc_bodies = st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8)
uscc_regions = st.sampled_from(["440305", "110000", "350100", "440300"])
uscc_dept = st.sampled_from(USCC_ALPHABET)


@given(uscc_dept, uscc_dept, uscc_regions, uscc_bodies)
def test_made_usccs_are_valid(dept, category, region, body):
    code = make_uscc(dept, category, region, body)
    assert parse_uscc(code) == code


@given(uscc_regions, uscc_bodies, st.integers(0, 17), st.sampled_from(USCC_ALPHABET + "IOSVZ"))
def test_any_single_substitution_in_uscc_detected(region, body, position, char):
    code = make_uscc("9", "1", region, body)
    if code[position] == char:
        return
    changed = code[:position] + char + code[position + 1 :]
    assert check_uscc(changed)
    with pytest.raises(InvalidIdentifier):
        parse_uscc(changed)
