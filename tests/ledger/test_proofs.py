import pytest

from sirecords.ledger import merkle
from sirecords.ledger.append import NewEntry, append
from sirecords.ledger.checkpoints import create_checkpoint
from sirecords.ledger.models import Checkpoint
from sirecords.ledger.proofs import consistency_proof, inclusion_proof

pytestmark = pytest.mark.django_db


def test_every_entry_is_provably_in_the_signed_tree_and_the_tree_only_grew(ctx, tmp_path):
    first = append(ctx, [NewEntry("test.noted", f"t:{i}", {"i": i}) for i in range(11)])
    small = create_checkpoint(ctx, tmp_path).checkpoint
    later = append(ctx, [NewEntry("test.noted", f"t:{i}", {"i": i}) for i in range(11, 29)])
    large = create_checkpoint(ctx, tmp_path).checkpoint
    assert (small.size, large.size) == (11, 29) and Checkpoint.objects.count() == 2
    for entry in first + later:
        proof = inclusion_proof(entry.seq, large.size)
        merkle.verify_inclusion(entry.seq - 1, large.size, merkle.leaf_hash(bytes.fromhex(entry.hash)), proof,
                                bytes.fromhex(large.root))
    proof = consistency_proof(small.size, large.size)
    merkle.verify_consistency(small.size, large.size, bytes.fromhex(small.root), bytes.fromhex(large.root), proof)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(0, large.size, merkle.leaf_hash(bytes.fromhex(later[0].hash)),
                                inclusion_proof(1, large.size), bytes.fromhex(large.root))
