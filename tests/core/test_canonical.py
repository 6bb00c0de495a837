import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sirecords.core.canonical import NotCanonical, canonical_bytes, canonical_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


def test_sorted_keys_no_whitespace_utf8():
    assert canonical_json({"b": 1, "a": "参保", "c": [1, {"z": None, "y": True}]}) == '{"a":"参保","b":1,"c":[1,{"y":true,"z":null}]}'
    assert canonical_bytes({"name": "王"}) == '{"name":"王"}'.encode()


@pytest.mark.parametrize("bad", [1.5, {"amount": 0.1}, [float("nan")], {"x": {1: "int key"}}, {"d": object()}])
def test_floats_and_non_json_values_are_refused(bad):
    with pytest.raises(NotCanonical):
        canonical_json(bad)


def test_error_names_the_path():
    with pytest.raises(NotCanonical, match=r"rows\[1\]\.amount is a float"):
        canonical_json({"rows": [{"amount": 1}, {"amount": 2.5}]})


@given(json_values)
def test_round_trip_and_determinism(value):
    text = canonical_json(value)
    assert json.loads(text) == value
    assert canonical_json(json.loads(text)) == text


@given(st.dictionaries(st.text(), st.integers(), max_size=8))
def test_key_order_does_not_matter(mapping):
    reversed_mapping = dict(reversed(list(mapping.items())))
    assert canonical_json(mapping) == canonical_json(reversed_mapping)
