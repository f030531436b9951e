"""Tokens at rest: encrypted with WOLKVOX_SECRET_KEY (Fernet, from the `cryptography` package).

WOLKVOX_SECRET_KEY is one key, or a comma-separated list to rotate keys: the first encrypts,
every one decrypts (MultiFernet). `wolkvox-sync secret-key` prints a new key and
`wolkvox-sync operation rekey` re-encrypts every stored token with the first key.

Nothing here ever puts a key or a token in an exception or a log line.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.errors import SecretKeyError

SECRET_KEY_VARIABLE = "WOLKVOX_SECRET_KEY"  # noqa: S105 (the variable's name)


def new_secret_key() -> str:
    """A fresh key for WOLKVOX_SECRET_KEY (44 characters, URL-safe base64)."""
    return Fernet.generate_key().decode("ascii")


def read_secret_keys(value: str) -> tuple[str, ...]:
    """The keys in WOLKVOX_SECRET_KEY, first the one that encrypts; raise SecretKeyError naming
    the variable (and which key, by position) when one is not a Fernet key."""
    keys = tuple(part.strip() for part in value.split(",") if part.strip())
    for position, key in enumerate(keys, 1):
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise SecretKeyError(
                f"{SECRET_KEY_VARIABLE}: key {position} of {len(keys)} is not a Fernet key "
                "(44 characters of URL-safe base64; `wolkvox-sync secret-key` prints one)"
            ) from None
    return keys


class SecretBox:
    """Encrypts with the first key, decrypts with any. Without keys it can't store a token:
    `seal` raises SecretKeyError naming WOLKVOX_SECRET_KEY (reading the environment's own
    operation needs no key)."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self._keys = keys
        self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in keys]) if keys else None

    def __repr__(self) -> str:
        return f"SecretBox({len(self._keys)} key(s))"

    @property
    def ready(self) -> bool:
        """Whether a token can be stored (WOLKVOX_SECRET_KEY is set)."""
        return self._fernet is not None

    def seal(self, token: str) -> str:
        """`token` encrypted with the first key (ASCII, for a text column)."""
        if self._fernet is None:
            raise SecretKeyError(
                f"{SECRET_KEY_VARIABLE} is not set: the bot needs it to store a Wolkvox token "
                "encrypted (`wolkvox-sync secret-key` prints a new one)"
            )
        return self._fernet.encrypt(token.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        """The token in `sealed`; SecretKeyError when no key opens it."""
        if self._fernet is None:
            raise SecretKeyError(
                f"{SECRET_KEY_VARIABLE} is not set, and the database holds Wolkvox tokens "
                "encrypted with it: set it to the key they were stored with"
            )
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretKeyError(
                f"{SECRET_KEY_VARIABLE} does not open the Wolkvox tokens stored in the database: "
                "it is not the key they were stored with (to change keys, list the new key "
                "first and the old one after it, then run `wolkvox-sync operation rekey`)"
            ) from None

    def reseal(self, sealed: str) -> str:
        """`sealed` encrypted again with the first key (for rekey)."""
        if self._fernet is None:
            raise SecretKeyError(f"{SECRET_KEY_VARIABLE} is not set")
        try:
            return self._fernet.rotate(sealed.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecretKeyError(
                f"{SECRET_KEY_VARIABLE} does not open a Wolkvox token stored in the database"
            ) from None
