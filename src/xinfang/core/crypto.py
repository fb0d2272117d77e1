"""Field encryption, blind indexes and display masks for petitioners' personal identifiers.

Identity numbers, phones, names and addresses are stored as AES-256-GCM ciphertext. Equality
lookups go through a separate blind-index column (an HMAC of the normalised value), because
the ciphertext is randomised and cannot be compared in SQL.

Keys come from a key ring (`keyring.py`): every token names the key it was sealed with
("v2:<key id>:<base64>"; the older "v1:<base64>" tokens belong to key "1"), new values are
sealed with the ring's primary key, and a blind-index lookup matches the index under every
key in the ring, so that searches keep finding rows while `xinfang keys rotate` re-encrypts.
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
from django.core.exceptions import FieldError
from django.db import models

from xinfang.core.keyring import current_ring

TOKEN_PREFIX = "v1:"  # the first format: no key id, sealed under key "1"
TOKEN_PREFIX_V2 = "v2:"
LEGACY_KEY_ID = "1"
NONCE_BYTES = 12
TAG_BYTES = 16
BLIND_INDEX_HEX_CHARS = 32

_ENCRYPTION_INFO = b"xinfang field encryption v1"
_BLIND_INDEX_INFO = b"xinfang blind index v1"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
# Separators people type inside numbers, including the full-width forms of Chinese IMEs
# (NFKC folds most of those to ASCII first).
_SEPARATORS = re.compile(r"[\s\-‐‑–—]+")
# A name is also written with or without the middle dot of transliterated names
# (阿依古丽·买买提, 阿依古丽•买买提, 阿依古丽买买提) and sometimes with a stray full stop.
_NAME_SEPARATORS = re.compile(r"[\s\-‐‑–—·・•‧∙⋅.。,，、'’\"“”]+")
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
    """Derive the encryption and blind-index keys for a master key (checked by the ring:
    keyring._clean_key)."""
    master = bytes.fromhex(master_hex)
    # Separate subkeys so that a blind index never reveals anything about the cipher key.
    return _Keys(
        aead=AESGCM(_hkdf(master, _ENCRYPTION_INFO)),
        index_key=_hkdf(master, _BLIND_INDEX_INFO),
    )


def _keys(key_id: str | None = None) -> _Keys:
    """The subkeys of one key of the ring (the primary key by default).

    Raises:
        DecryptionError: the ring holds no key of that id (it was retired).
    """
    ring = current_ring()
    key_id = ring.primary if key_id is None else key_id
    master = ring.keys.get(key_id)
    if master is None:
        raise DecryptionError(
            f"Encrypted value names key {key_id!r}, which is not in the key ring "
            "(FIELD_ENCRYPTION_KEY / FIELD_ENCRYPTION_KEYS / XINFANG_KEY_RING_FILE): "
            "it was retired before every value was re-encrypted, or the ring is wrong."
        )
    return _derive_keys(master)


def token_key_id(token: str) -> str:
    """The id of the key a token was sealed with ("" for the empty value).

    Raises:
        DecryptionError: the value is not a token.
    """
    if token == "":
        return ""
    if token.startswith(TOKEN_PREFIX):
        return LEGACY_KEY_ID
    if token.startswith(TOKEN_PREFIX_V2):
        key_id, sep, _ = token[len(TOKEN_PREFIX_V2) :].partition(":")
        if sep and key_id:
            return key_id
    raise DecryptionError(
        f"Encrypted value does not start with {TOKEN_PREFIX_V2!r} or {TOKEN_PREFIX!r}: "
        "not an encrypted token."
    )


def is_token(value: str) -> bool:
    """True for a value encrypt() made (of any key), False for plain text."""
    try:
        return bool(token_key_id(value))
    except DecryptionError:
        return False


def encrypt(plaintext: str, key_id: str | None = None) -> str:
    """Encrypt text into a "v2:<key id>:" token under the primary key (or the given one);
    the empty string stays empty."""
    if plaintext == "":
        return ""
    key_id = current_ring().primary if key_id is None else key_id
    nonce = os.urandom(NONCE_BYTES)
    sealed = _keys(key_id).aead.encrypt(nonce, plaintext.encode("utf-8"), None)
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
    return f"{TOKEN_PREFIX_V2}{key_id}:{body}"


def decrypt(token: str) -> str:
    """Decrypt a token made by encrypt(); the empty string stays empty.

    Raises:
        DecryptionError: the token is malformed, tampered with, or from another key.
    """
    if token == "":
        return ""
    if not isinstance(token, str):
        raise DecryptionError("Encrypted value is not text: not an encrypted token.")
    key_id = token_key_id(token)
    body = token.rpartition(":")[2]
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
        plain = _keys(key_id).aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None)
    except InvalidTag as exc:
        raise DecryptionError(
            "Encrypted value failed authentication: it was tampered with or encrypted "
            f"under a different FIELD_ENCRYPTION_KEY (key {key_id!r} of the ring)."
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


def normalise_name(value: str) -> str:
    """Fold a person's name to the form its blind index is computed over: full-width to
    half-width (NFKC), no spaces or middle dots, Latin letters upper-cased."""
    return _NAME_SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def _normalise(kind: str, value: str) -> str:
    return normalise_name(value) if kind == "name" else normalise_for_index(value)


def blind_index(kind: str, value: str, key_id: str | None = None) -> str:
    """Keyed hash of a normalised value for storing (under the primary key, or the given
    one); "" for an empty value. Look rows up with `blind_indexes`, which also matches rows
    not yet re-indexed during a key rotation."""
    normalised = _normalise(kind, value or "")
    if not normalised:
        return ""
    # The kind is hashed in so that equal strings of different kinds never collide.
    message = f"{kind}:{normalised}".encode()
    digest = hmac.new(_keys(key_id).index_key, message, hashlib.sha256).hexdigest()
    return digest[:BLIND_INDEX_HEX_CHARS]


def blind_indexes(kind: str, value: str) -> list[str]:
    """The value's blind index under every key of the ring, the primary key's first
    (one entry outside a rotation); [] for an empty value. Filter with `__in`."""
    ring = current_ring()
    found = [blind_index(kind, value, key_id) for key_id in ring.lookup_order()]
    return [index for index in dict.fromkeys(found) if index]


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; query it through a blind-index column instead.

    `blind_index=("phone_index", "phone")` names the column that holds this field's blind
    index and its kind, so that key rotation re-computes it (not part of the migration
    state: it changes no SQL).
    """

    description = "Text encrypted with AES-256-GCM"

    def __init__(self, *args: Any, blind_index: tuple[str, str] | None = None, **kwargs: Any):
        self.blind_index = blind_index
        super().__init__(*args, **kwargs)

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
