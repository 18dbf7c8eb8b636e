"""Private keys on disk: PKCS#8 encrypted with a passphrase, files mode 0600.

The passphrase comes from VLEDGER_KEY_PASSPHRASE. A development instance made without one gets a random
passphrase written to ``<data dir>/key-passphrase`` (0600) and a warning: anyone who can read the data
directory can then read the keys, which is why production must set the variable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keys.errors import KeyMaterialError
from keys.ids import fingerprint, key_id

PASSPHRASE_FILE = "key-passphrase"
KEY_DIR = "keys"


def write_private_file(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 from the start, so the secret is never world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def resolve_passphrase(data_dir: Path, from_env: str | None, *, create: bool) -> tuple[bytes, bool]:
    """Return (passphrase, generated_now). ``create`` is only true for ``vledger init``."""
    if from_env:
        return from_env.encode("utf-8"), False
    path = data_dir / PASSPHRASE_FILE
    if path.exists():
        return path.read_bytes().strip(), False
    if not create:
        raise KeyMaterialError("no key passphrase: set VLEDGER_KEY_PASSPHRASE (the data directory holds none)")
    phrase = secrets.token_urlsafe(32).encode("ascii")
    write_private_file(path, phrase)
    return phrase, True


def load_or_create_secret(data_dir: Path, name: str) -> bytes:
    """A 32-byte instance secret in ``<data dir>/<name>`` (0600), made on first use."""
    path = data_dir / name
    try:
        return path.read_bytes()
    except FileNotFoundError:
        secret = secrets.token_bytes(32)
        try:
            write_private_file(path, secret)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_bytes()
        return secret


class IdDigester:
    """Keyed digests of ID numbers: the views can find a duplicate registration without holding the number,
    and the digest cannot be reversed by trying the (small) space of valid ID numbers without the secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def __call__(self, id_type: str, id_number: str) -> str:
        return hmac.new(self._secret, f"{id_type}:{id_number}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class NewKey:
    """A freshly generated key: its name, raw public key and key id."""

    name: str
    public_key: bytes
    key_id: bytes


class KeyStore:
    """Encrypted private keys in ``<data dir>/keys/<fingerprint>.pem`` with an in-memory cache."""

    def __init__(self, data_dir: Path, passphrase: bytes) -> None:
        self.directory = data_dir / KEY_DIR
        self._passphrase = passphrase
        self._cache: dict[bytes, Ed25519PrivateKey] = {}

    def generate(self, name: str) -> NewKey:
        """Make a key, store it encrypted, and return its public half."""
        private = Ed25519PrivateKey.generate()
        public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        write_private_file(self.directory / f"{fingerprint(public)}.pem", pem)
        self._cache[public] = private
        return NewKey(name=name, public_key=public, key_id=key_id(name, public))

    def private_key(self, public_key: bytes) -> Ed25519PrivateKey:
        """The private half of a registered public key, decrypted once per process."""
        cached = self._cache.get(public_key)
        if cached is not None:
            return cached
        path = self.directory / f"{fingerprint(public_key)}.pem"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise KeyMaterialError(f"private key file {path.name} is missing from the key directory") from None
        try:
            private = serialization.load_pem_private_key(data, password=self._passphrase)
        except (ValueError, TypeError):
            raise KeyMaterialError(f"cannot decrypt {path.name}: wrong passphrase or damaged file") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise KeyMaterialError(f"{path.name} is not an Ed25519 key")
        derived = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if derived != public_key:
            raise KeyMaterialError(f"{path.name} holds a different key than its name says")
        self._cache[public_key] = private
        return private
