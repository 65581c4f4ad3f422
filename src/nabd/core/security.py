"""Password hashing, API token material and CSRF tokens."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_password_hasher = PasswordHasher()

API_TOKEN_PREFIX = "nabd_"  # noqa: S105 - a marker for secret scanners, not a secret
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _password_hasher.check_needs_rehash(password_hash)


# Verifying against a real hash when the account does not exist keeps the timing of a
# failed login the same whether or not the e-mail is known.
DUMMY_PASSWORD_HASH = hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued API token: the plaintext is shown once and never stored."""

    plaintext: str
    display_prefix: str
    digest: str


def hash_api_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is as safe as a slow one here and
    # keeps every API request cheap.
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token() -> IssuedToken:
    plaintext = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return IssuedToken(
        plaintext=plaintext,
        display_prefix=plaintext[: len(API_TOKEN_PREFIX) + 6],
        digest=hash_api_token(plaintext),
    )


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
