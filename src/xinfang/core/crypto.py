"""Field encryption, blind indexes and display masks for petitioners' personal identifiers.

Identity numbers, phones and names are stored as AES-256-GCM ciphertext. Equality lookups
go through a separate blind-index column (an HMAC of the normalised value), because the
ciphertext is randomised and cannot be compared in SQL.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models

TOKEN_PREFIX = "v1:"
NONCE_BYTES = 12
TAG_BYTES = 16
BLIND_INDEX_HEX_CHARS = 32

_ENCRYPTION_INFO = b"xinfang field encryption v1"
_BLIND_INDEX_INFO = b"xinfang blind index v1"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
# Separators people type inside numbers, including the full-width forms of Chinese IMEs
# (NFKC folds most of those to ASCII first).
_SEPARATORS = re.compile(r"[\s\-‐‑–—]+")
_PREFIXED_MOBILE = re.compile(r"\+?86(1[3-9]\d{9})")


class DecryptionError(Exception):
    """A stored token is malformed, was tampered with, or was encrypted under another key."""


class EncryptedFieldLookupError(FieldError, TypeError):
    """A query tried to compare an encrypted column, which only supports isnull."""


@dataclass(frozen=True)
class _Keys:
    """The subkeys derived from one master key."""

    aead: AESGCM
    index_key: bytes


def _hkdf(master: bytes, info: bytes) -> bytes:
    """Derive one 32-byte subkey from the master key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


@functools.lru_cache(maxsize=8)
def _derive_keys(master_hex: str) -> _Keys:
    """Derive the encryption and blind-index keys for a master key.

    Raises:
        ImproperlyConfigured: the master key is not 64 hex characters.
    """
    try:
        master = bytes.fromhex(master_hex)
    except ValueError:
        master = b""
    if len(master) != 32:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be 64 hexadecimal characters (32 bytes)."
        )
    # Separate subkeys so that a blind index never reveals anything about the cipher key.
    return _Keys(
        aead=AESGCM(_hkdf(master, _ENCRYPTION_INFO)),
        index_key=_hkdf(master, _BLIND_INDEX_INFO),
    )


def _keys() -> _Keys:
    """The subkeys for the currently configured master key."""
    # Keyed by the setting's value, so tests that override the setting get their own keys.
    return _derive_keys(str(settings.FIELD_ENCRYPTION_KEY).strip().lower())


def encrypt(plaintext: str) -> str:
    """Encrypt text into a "v1:" token; the empty string stays empty."""
    if plaintext == "":
        return ""
    nonce = os.urandom(NONCE_BYTES)
    sealed = _keys().aead.encrypt(nonce, plaintext.encode("utf-8"), None)
    return TOKEN_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a token made by encrypt(); the empty string stays empty.

    Raises:
        DecryptionError: the token is malformed, tampered with, or from another key.
    """
    if token == "":
        return ""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
        raise DecryptionError(
            f"Encrypted value does not start with {TOKEN_PREFIX!r}: not an encrypted token."
        )
    body = token[len(TOKEN_PREFIX) :]
    # urlsafe_b64decode silently skips stray characters, so check the alphabet first.
    if not _BASE64URL.fullmatch(body):
        raise DecryptionError("Encrypted value is not valid URL-safe base64.")
    try:
        raw = base64.urlsafe_b64decode(body)
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("Encrypted value is not valid URL-safe base64.") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("Encrypted value is too short to hold a nonce and a tag.")
    try:
        plain = _keys().aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None)
    except InvalidTag as exc:
        raise DecryptionError(
            "Encrypted value failed authentication: it was tampered with or encrypted "
            "under a different FIELD_ENCRYPTION_KEY."
        ) from exc
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecryptionError("Decrypted value is not valid UTF-8.") from exc


def normalise_for_index(value: str) -> str:
    """Fold a value to the form its blind index is computed over."""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()
    # "+86 138…" and "138…" are the same phone; only mobile-shaped numbers qualify, so an
    # identity number or landline that happens to start with 86 is left alone.
    mobile = _PREFIXED_MOBILE.fullmatch(text)
    return mobile.group(1) if mobile else text


def blind_index(kind: str, value: str) -> str:
    """Keyed hash of a normalised value for equality lookups; "" for an empty value."""
    normalised = normalise_for_index(value or "")
    if not normalised:
        return ""
    # The kind is hashed in so that equal strings of different kinds never collide.
    message = f"{kind}:{normalised}".encode()
    digest = hmac.new(_keys().index_key, message, hashlib.sha256).hexdigest()
    return digest[:BLIND_INDEX_HEX_CHARS]


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; query it through a blind-index column instead."""

    description = "Text encrypted with AES-256-GCM"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        """Decrypt a value read from the database."""
        if value is None:
            return None
        return decrypt(value)

    def to_python(self, value: Any) -> str | None:
        """Return the plaintext as a string."""
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def get_prep_value(self, value: Any) -> str | None:
        """Encrypt a value on its way to the database."""
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        """Allow only isnull: any comparison would compare random ciphertexts.

        Raises:
            EncryptedFieldLookupError: any lookup other than isnull.
        """
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise EncryptedFieldLookupError(self._refusal(lookup_name))

    def get_transform(self, lookup_name: str) -> Any:
        """Refuse transforms, which would operate on the ciphertext.

        Raises:
            EncryptedFieldLookupError: always.
        """
        raise EncryptedFieldLookupError(self._refusal(lookup_name))

    def _refusal(self, lookup_name: str) -> str:
        """The message explaining why a lookup is refused."""
        return (
            f"Encrypted field {self.name!r} does not support the {lookup_name!r} lookup: "
            "its ciphertext is randomised. Filter on its blind index column "
            "(crypto.blind_index) instead; only 'isnull' is allowed here."
        )


def mask_id_number(value: str | None) -> str:
    """Show the first and last four characters of an identity number, starring the rest."""
    text = (value or "").strip()
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def _mask_keep_last4(digits: str) -> str:
    """Star all but the last four characters."""
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_phone(value: str | None) -> str:
    """Mask a phone: "138****5678" for mobiles, "0551-****5678" for landlines."""
    text = (value or "").strip()
    if not text:
        return ""
    compact = normalise_for_index(text)
    if re.fullmatch(r"1\d{10}", compact):
        return compact[:3] + "****" + compact[-4:]
    if "-" in text:
        area, _, number = text.partition("-")
        return area.strip() + "-" + _mask_keep_last4(number.replace("-", "").strip())
    return _mask_keep_last4(compact)


def mask_name(value: str | None) -> str:
    """Keep a name's first character (the surname) and star the rest."""
    text = (value or "").strip()
    if len(text) <= 1:
        return "*" * len(text)
    return text[0] + "*" * (len(text) - 1)
