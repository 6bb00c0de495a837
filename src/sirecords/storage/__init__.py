"""Moving a whole store between databases (`sirecords migrate-store`): migrate.py."""
