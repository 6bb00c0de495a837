"""hashed_join: joining on a 64-bit hash of the key columns gives the rows joining on the texts gives, a collision
included (then the texts are joined as they are)."""

from __future__ import annotations

import random

import polars as pl
import pytest

from sirecords.crosschecks import hashed_join

KEY = ["person", "unit"]


def frames(seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = random.Random(seed)
    people = [f"{rng.getrandbits(128):032x}" for _ in range(300)]
    left = pl.DataFrame({"person": [rng.choice(people) for _ in range(400)], "unit": [rng.choice("AB") for _ in range(400)],
                         "paid": list(range(400))})
    right = pl.DataFrame({"person": [rng.choice(people) for _ in range(350)], "unit": [rng.choice("ABC") for _ in range(350)],
                          "recorded": list(range(350))})
    return left, right


def same(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    columns = sorted(a.columns)
    return sorted(columns) == sorted(b.columns) and a.select(columns).sort(columns).equals(b.select(columns).sort(columns))


@pytest.mark.parametrize("how", ["left", "full"])
def test_the_hashed_join_gives_the_rows_of_the_join_on_the_texts(how):
    for seed in range(5):
        left, right = frames(seed)
        assert same(hashed_join.join(left, right, KEY, how), left.join(right, on=KEY, how=how, coalesce=True))


@pytest.mark.parametrize("how", ["left", "full"])
def test_two_keys_with_one_hash_are_found_and_the_texts_joined(monkeypatch, how):
    left, right = frames(7)
    monkeypatch.setattr(hashed_join, "key_hash", lambda on: pl.col(on[1]).hash())  # every person of a unit collides
    joined = hashed_join.join(left, right, KEY, how)
    assert same(joined, left.join(right, on=KEY, how=how, coalesce=True))


def test_a_repeated_key_is_seen_and_a_shared_hash_taken_for_one():
    left, _right = frames(3)
    assert hashed_join.repeats(left, KEY)  # 400 rows of 300 people and two units: some repeat
    unique = left.unique(KEY)
    assert not hashed_join.repeats(unique, KEY)
    assert hashed_join.repeats(unique.head(2).with_columns(pl.Series("person", ["a", "b"])).with_columns(unit=pl.lit("A")),
                               ["unit"])
