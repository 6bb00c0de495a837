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


def test_the_inlined_loop_gives_what_feed_gives():
    """ChainCheck.feed_all (verify's loop, the preimage inlined) against feed (entry_hash.preimage): the same frontier,
    state and findings, on rows with characters JSON escapes and with a changed, a missing and a misliked entry."""
    from sirecords.ledger.chain import ChainCheck
    from sirecords.ledger.entry_hash import entry_hash

    texts = ['plain', 'quote " and \\ backslash', 'control \x01\x1f\n\t', '中文 é ☃ \U0001f600', '\u2028\u2029', '']
    rows, previous = [], GENESIS_PREV_HASH
    for seq in range(1, 40):
        t = texts[seq % len(texts)]
        fields = (seq, f"kind.{t}", f"person:{t}", "txn", t, t, "cli", "2026-01-01T00:00:00.000000Z", "", previous,
                  '{"a":"' + str(seq) + '"}')
        stored = entry_hash(*fields)
        rows.append((*fields[:9], fields[10], previous, stored))
        previous = stored
    rows[5] = (*rows[5][:5], "changed", *rows[5][6:])  # contents no longer match
    del rows[10]  # a gap
    rows[20] = (*rows[20][:10], "f" * 64, rows[20][11])  # a link that does not hold

    def run(inlined: bool):
        found, stops = [], []
        check = ChainCheck(report=lambda seq, message: found.append((seq, message)))
        if inlined:
            def at_stop(size):
                stops.append((size, list(check.frontier.hashes), check.expected_seq))
                return size + 7
            check.feed_all(rows, stop=3, at_stop=at_stop, kinds={"kind.plain"}, on_kind=lambda row: stops.append(row[0]))
        else:
            for row in rows:
                check.feed(row)
                if check.frontier.size in range(3, 100, 7):
                    stops.append((check.frontier.size, list(check.frontier.hashes), check.expected_seq))
                if row[1] == "kind.plain":
                    stops.append(row[0])
        return found, stops, check.frontier.hashes, check.frontier.size, check.expected_seq, check.prev_hash, check.count

    assert run(True) == run(False)
    found = run(True)[0]
    assert [seq for seq, _ in found] == [6, 11, 12, 22, 22]  # the gap unlinks #12; a changed prev_hash is both
