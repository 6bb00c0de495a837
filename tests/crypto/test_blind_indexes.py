"""blind_indexes (many values at once, from precomputed HMAC states) gives exactly blind_index's HMAC-SHA-256."""

import hashlib
import hmac
import random

from sirecords.crypto.sealing import blind_indexes


def test_the_precomputed_states_give_the_hmac_of_each_value_for_keys_of_every_length():
    rng = random.Random(17)
    values = ["110105194912310021", "11010519491231002X", "", "张三", "x" * 200, "身份证 ID ２０２５"]
    for length in (1, 16, 31, 32, 33, 63, 64, 65, 100, 128, 129):
        key = rng.randbytes(length)
        for kind in ("id_number", "name", ""):
            expected = [hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest() for value in values]
            assert blind_indexes(kind, values, key=key) == expected, (length, kind)


def test_values_are_hashed_in_order_and_independently():
    key = bytes(range(32))
    values = [f"{i:018d}" for i in range(1000)]
    assert blind_indexes("id_number", values, key=key) == [blind_indexes("id_number", [value], key=key)[0]
                                                           for value in values]
    assert blind_indexes("id_number", [], key=key) == []
