"""The demo settings hash passwords with argon2id at OWASP's minimum (users/hashers.py); the production settings keep
Django's argon2 defaults, and verify (and upgrade) a demo hash like any other argon2 hash."""

import importlib

from django.contrib.auth.hashers import Argon2PasswordHasher

from sirecords.users.hashers import DemoArgon2PasswordHasher


def test_only_the_demo_settings_use_the_cheaper_hasher():
    base, demo = importlib.import_module("sirecords.settings.base"), importlib.import_module("sirecords.settings.demo")
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert demo.PASSWORD_HASHERS[0] == "sirecords.users.hashers.DemoArgon2PasswordHasher"
    assert not any("Demo" in name for name in base.PASSWORD_HASHERS)


def test_a_demo_hash_is_argon2id_at_owasp_minimum_and_verifies_with_the_production_hasher():
    demo, production = DemoArgon2PasswordHasher(), Argon2PasswordHasher()
    encoded = demo.encode("Demo-2026-sirecords", demo.salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert production.verify("Demo-2026-sirecords", encoded) and not production.verify("Demo-2026-sirecordS", encoded)
    assert production.must_update(encoded) and not demo.must_update(encoded)  # production settings upgrade it at sign-in
