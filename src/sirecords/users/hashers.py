"""The demo's password hasher (settings/demo.py only; production keeps Django's Argon2PasswordHasher, settings/base.py).

Django's argon2 defaults (argon2id, 100 MiB, 2 passes, 8 lanes) cost about 0.25 s of CPU per hash on a 2-core machine;
`make demo` hashes 18 passwords (the staff and portal demo accounts, all with the password the README publishes), some
4.5 s of CPU, a sixth of the demo load. The demo instance is served on localhost only, holds synthetic people, and its
password is public: it hashes with argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane; the OWASP Password Storage
Cheat Sheet), about a fifth of the cost. The hashes are ordinary `argon2` hashes (the algorithm's name is Django's):
the production hasher verifies them and, under the production settings, upgrades each at its next sign-in (recorded
like any other password change, users/backends.py)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class DemoArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
