"""The other pooling regions this one exchanges transfers with (第十条): a projection of the ledger
(regions/projectors.py), written only by posting a reviewed register_region. Keys are public: nothing here is sealed."""

from django.db import models

from sirecords.ledger.projection import projected_table


@projected_table
class Region(models.Model):
    """A registered region: its name and the two public keys its envelopes are checked and encrypted with."""

    code = models.CharField(primary_key=True, max_length=6, help_text="GB/T 2260 code of the pooling region; the "
                                                                      "province is its first two digits.")
    name = models.CharField(max_length=100)
    verifier_key = models.CharField(max_length=500, help_text="Its signed-note verifier key, <name>+<hex key ID>+<base64 "
                                                              "key>: checks the signatures of its envelopes.")
    encryption_key = models.CharField(max_length=44, help_text="Base64 of its raw 32-byte X25519 public key: what an "
                                                               "envelope to it is encrypted to.")
    registered_seq = models.BigIntegerField(help_text="The entry that registered it.")
    changed_seq = models.BigIntegerField(help_text="The entry that last changed it (its registration at first).")

    class Meta:
        db_table = "regions_region"
