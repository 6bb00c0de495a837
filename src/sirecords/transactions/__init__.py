"""Business transactions: the types (`posting.transaction_type`), `post()` (the one path to the ledger),
payload validation (`validation`), and who acts (`actors.Actor`). The review chain sits above, in workflow."""
