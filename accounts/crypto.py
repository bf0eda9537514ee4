"""Encryption at rest for secrets held on behalf of users (linked-account tokens).

Keys come from settings.PLN_TOKEN_KEYS; the first encrypts, all decrypt, so keys rotate by
prepending a new one.
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    derived = [base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()) for key in keys]
    return MultiFernet([Fernet(key) for key in derived])


def encrypt(plaintext: str) -> str:
    return _fernet(tuple(settings.PLN_TOKEN_KEYS)).encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    return _fernet(tuple(settings.PLN_TOKEN_KEYS)).decrypt(ciphertext.encode()).decode()


class EncryptedTextField(models.TextField):
    """A text field stored as Fernet ciphertext; Python code only ever sees plaintext."""

    def from_db_value(self, value, expression, connection):
        return value if value in (None, "") else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value in (None, "") else encrypt(value)
