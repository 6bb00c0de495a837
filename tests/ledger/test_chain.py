"""The hash-chain primitive both the ledger and the access log check their links with."""

from sirecords.ledger.chain import Break, HashChain
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH

H = [f"{n:064x}" for n in range(1, 10)]  # stored hashes of records 1…9


def test_a_sound_chain_has_no_breaks():
    chain = HashChain()
    previous = GENESIS_PREV_HASH
    for seq, stored in enumerate(H[:4], start=1):
        assert chain.link(seq, previous, stored, stored) is None
        previous = stored
    assert (chain.count, chain.expected_seq, chain.prev_hash) == (4, 5, H[3])


def test_each_kind_of_break_is_named_and_the_chain_goes_on_from_the_stored_record():
    chain = HashChain()
    assert chain.link(1, GENESIS_PREV_HASH, H[0], H[0]) is None
    assert chain.link(2, H[0], H[1], "changed") == Break(2, 2, H[0], contents_match=False, linked=True)
    assert chain.link(3, H[1], H[2], H[2]) is None  # one changed record is one break, not a break at every later one
    assert chain.link(5, H[2], H[4], H[4]) == Break(5, 4, H[2], contents_match=True, linked=True)  # #4 is missing
    assert chain.link(6, "wrong", H[5], H[5]) == Break(6, 6, H[4], contents_match=True, linked=False)
    assert chain.link(2, H[5], H[6], H[6]) == Break(2, 7, H[5], contents_match=True, linked=True)  # a step back
    assert chain.expected_seq == 3 and chain.count == 6


def test_a_chain_can_start_after_a_checkpoint():
    chain = HashChain(expected_seq=10, prev_hash=H[8])
    assert chain.link(10, H[8], H[0], H[0]) is None
    assert chain.link(11, GENESIS_PREV_HASH, H[1], H[1]).linked is False
