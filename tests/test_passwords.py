"""Passwords are stored with a memory-hard KDF, never in clear."""

from coordinator.services import accounts


def test_passwords_are_hashed_with_scrypt(monkeypatch):
    monkeypatch.undo()  # the suite's cheap hashing does not apply here
    stored = accounts.hash_password("correct-horse-9")
    assert stored.startswith("scrypt:") and "correct-horse-9" not in stored
