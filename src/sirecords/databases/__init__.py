"""The database aliases beside `default`: the read replica (replica.py)."""
