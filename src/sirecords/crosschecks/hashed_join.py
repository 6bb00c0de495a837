"""Joining a million rows on text keys, on a 64-bit hash of them instead (Polars): the same rows as joining on the
texts, checked. Hashing the key columns once and joining integers costs less than half of building one text key per
row and joining texts (each probe compares the texts), and a repeated key is found as cheaply. Two different keys with
the same hash (about one chance in 10^7 for two million keys) are found after the join — a pair of rows matched whose
key columns differ — and the texts are then joined as they are.

Pure: Polars only."""

from __future__ import annotations

from sirecords.core.lazy import lazy_import

pl = lazy_import("polars")

_HASH, _LEFT, _RIGHT = "__key_hash", "__left", "__right"


def key_hash(on: list[str]) -> pl.Expr:
    return pl.struct(on).hash()


def repeats(frame: pl.DataFrame, on: list[str]) -> bool:
    """Whether some key (the `on` columns) is in more than one row of `frame`: true also when two keys share a hash,
    so a caller grouping by the key columns on a true answer is right either way."""
    return bool(frame.select(key_hash(on).is_duplicated().any()).item())


def join(left: pl.DataFrame, right: pl.DataFrame, on: list[str], how: str) -> pl.DataFrame:
    """left.join(right, on=on, how=how, coalesce=True) for `how` "left" or "full", joined on the hash of the `on`
    columns (text, never null)."""
    renamed = {name: f"{name}__right" for name in on}
    joined = (left.with_columns(key_hash(on).alias(_HASH), pl.lit(True).alias(_LEFT))
              .join(right.with_columns(key_hash(on).alias(_HASH), pl.lit(True).alias(_RIGHT)).rename(renamed),
                    on=_HASH, how=how, coalesce=True))
    paired = pl.col(_LEFT).is_not_null() & pl.col(_RIGHT).is_not_null()
    collided = joined.select((paired & pl.any_horizontal(pl.col(name) != pl.col(renamed[name]) for name in on)).any())
    if collided.item():
        return left.join(right, on=on, how=how, coalesce=True)
    if how == "full":
        joined = joined.with_columns(pl.coalesce(name, renamed[name]).alias(name) for name in on)
    return joined.drop(_HASH, _LEFT, _RIGHT, *renamed.values())
