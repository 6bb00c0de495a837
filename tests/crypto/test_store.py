"""The sealed content-addressed store: one copy per content, sealed to its hash and its purpose."""

import hashlib

import pytest

from sirecords.crypto.sealing import seal_bytes
from sirecords.crypto.store import NotReadable, SealedStore, WrongContent


@pytest.fixture
def stores(tmp_path):
    return SealedStore(lambda: tmp_path / "a", "alpha"), SealedStore(lambda: tmp_path / "b", "beta")


def test_store_and_load_round_trip_one_copy_sealed(stores):
    alpha, _ = stores
    data = b"%PDF-1.4 some scan"
    digest = alpha.store(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert alpha.store(data) == digest and alpha.exists(digest)
    assert alpha.path(digest) == alpha.path(digest).parents[1] / digest[:2] / digest
    assert [p.name for p in alpha.path(digest).parents[1].rglob("*") if p.is_file()] == [digest]  # no .tmp left
    assert data not in alpha.path(digest).read_bytes()  # sealed, not plain
    assert alpha.load(digest) == data


def test_missing_file_and_broken_seal_are_not_readable(stores):
    alpha, beta = stores
    with pytest.raises(NotReadable) as missing:
        alpha.load("0" * 64)
    assert isinstance(missing.value.problem, FileNotFoundError)
    digest = alpha.store(b"collection rows")
    beta.path(digest).parent.mkdir(parents=True)
    beta.path(digest).write_bytes(alpha.path(digest).read_bytes())  # the same sealed bytes, another purpose
    with pytest.raises(NotReadable):
        beta.load(digest)
    sealed = bytearray(alpha.path(digest).read_bytes())
    sealed[-1] ^= 1
    alpha.path(digest).write_bytes(bytes(sealed))
    with pytest.raises(NotReadable):
        alpha.load(digest)


def test_a_file_under_another_hash_is_wrong_content(stores):
    alpha, _ = stores
    # Sealed for the name it is stored under, but holding other bytes: the hash check catches it.
    other = alpha.store(b"other bytes")
    name = "f" * 64
    alpha.path(name).parent.mkdir(parents=True, exist_ok=True)
    alpha.path(name).write_bytes(seal_bytes(alpha.load(other), f"alpha:{name}"))
    with pytest.raises(WrongContent):
        alpha.load(name)
