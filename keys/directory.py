"""The signed key directory: every registered public key and its lifecycle, as one C2SP signed note
(https://c2sp.org/signed-note) signed by the registry root key, for verifying certificates with no network.

The note text, one item per line (fields separated by one space, ``-`` for an empty instant)::

    vledger-key-directory v1
    origin <log origin>
    public-url <the service's public URL, or ->
    issued <UTC instant>
    expires <UTC instant>
    root <root note verifier key name+hex8+base64>
    key <kid hex> <name> <purpose> <owner> <base64 public key> <status> <valid_from> <retired_at> <compromised_since>
    …one ``key`` line per key…

Instants are ISO 8601 in UTC (``2026-03-01T09:00:00Z``). The ``root`` line is there for people: to compare the
fingerprint with the one the registry published. It is never trusted: the note must verify with a root key the
verifier already holds, and the line must then name that same key.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.errors import VledgerError
from domain.key_status import KEY_STATUSES
from keys.ids import key_id, verifier_key
from keys.keyring import KeyInfo
from keys.notes import NoteError, Verifier, parse_note, signature_line, signed_note
from keys.store import KeyStore

FORMAT = "vledger-key-directory v1"
DEFAULT_LIFETIME = dt.timedelta(days=7)
MAX_LIFETIME = dt.timedelta(days=366)  # a directory that never expires would hide every later revocation
MAX_DIRECTORY_CHARS = 1_000_000  # thousands of keys fit; more is refused before any parsing
NONE = "-"
_HEADER = ("origin", "public-url", "issued", "expires", "root")


class KeyDirectoryError(VledgerError):
    """A key directory that cannot be used (base of the two errors below)."""

    code = "bad_key_directory"


class KeyDirectoryUntrustedError(KeyDirectoryError):
    """The directory is not signed by the trusted root key (or names another root than the one it is signed by)."""

    code = "key_directory_untrusted"


class KeyDirectoryFormatError(KeyDirectoryError):
    """The directory is not a signed note, or its text is not the directory format (a bad line names its number)."""

    code = "bad_key_directory"


@dataclass(frozen=True)
class NoteSigner:
    """A note signing key: its name, raw Ed25519 public key and a function that signs bytes with its private half.

    The private key itself stays with whoever made ``sign`` (the key store); this only borrows its signatures."""

    name: str
    public_key: bytes
    sign: Callable[[bytes], bytes]

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.name, self.public_key)

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key_id, self.public_key)


def signer_from_store(store: KeyStore, name: str, public_key: bytes) -> NoteSigner:
    """A note signer over a key held in the key store (the root key, for the key directory)."""
    return NoteSigner(name, public_key, store.private_key(public_key).sign)


@dataclass(frozen=True)
class KeyDirectory:
    """A parsed, verified key directory."""

    origin: str
    public_url: str | None
    issued_at: dt.datetime
    expires_at: dt.datetime
    root: str  # the root verifier key the note names (already checked to be the trusted one)
    keys: tuple[KeyInfo, ...]

    def is_stale(self, now: dt.datetime) -> bool:
        """Past its stated lifetime: what it says about revocations may be out of date."""
        return now >= self.expires_at

    def candidates(self, kid: bytes) -> list[KeyInfo]:
        """Every listed key with this 4-byte id (ids may collide; verifiers try them all)."""
        return [k for k in self.keys if k.key_id == kid]

    def verify(self, message: bytes, kid: bytes, signature: bytes) -> KeyInfo | None:
        """The listed key with this id whose signature over ``message`` verifies, or None."""
        for info in self.candidates(kid):
            if info.verifies(message, signature):
                return info
        return None


def _instant(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise KeyDirectoryFormatError(f"instants in a key directory carry a time zone, found {value.isoformat()}")
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _optional_instant(value: dt.datetime | None) -> str:
    return NONE if value is None else _instant(value)


def _token(what: str, value: str) -> str:
    """A field of a line: non-empty, no spaces or control characters (they would split or break the line)."""
    if not value or value == NONE or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise KeyDirectoryFormatError(f"{what} must be non-empty, without spaces or control characters, "
                                      f"found {value[:60]!r}")
    return value


def _check_lifecycle(where: str, info: KeyInfo) -> None:
    """Statuses and instants must agree, or the offline verdict could rest on a half-stated lifecycle (a revoked
    key without its compromise instant would otherwise look harmless)."""
    if info.status not in KEY_STATUSES:
        raise KeyDirectoryFormatError(f"{where}: status must be one of {', '.join(KEY_STATUSES)}, found "
                                      f"{info.status[:20]!r}")
    if info.status == "revoked" and info.compromised_since is None:
        raise KeyDirectoryFormatError(f"{where}: a revoked key needs the instant it was compromised since")
    if info.status == "retired" and info.retired_at is None:
        raise KeyDirectoryFormatError(f"{where}: a retired key needs the instant it was retired")
    if info.status != "revoked" and info.compromised_since is not None:
        raise KeyDirectoryFormatError(f"{where}: only a revoked key has a compromise instant")
    if info.status == "active" and info.retired_at is not None:
        raise KeyDirectoryFormatError(f"{where}: an active key has no retirement instant")


def key_line(info: KeyInfo) -> str:
    """The ``key`` line of one key."""
    _check_lifecycle(f"key {info.kid}", info)
    fields = ["key", info.kid, _token("key name", info.name), _token("purpose", info.purpose),
              _token("owner", info.owner), base64.b64encode(info.public_key).decode(), info.status,
              _instant(info.valid_from), _optional_instant(info.retired_at), _optional_instant(info.compromised_since)]
    return " ".join(fields) + "\n"


def build_directory(keys: Iterable[KeyInfo], *, root_signer: NoteSigner, issued_at: dt.datetime,
                    lifetime: dt.timedelta = DEFAULT_LIFETIME, origin: str, public_url: str | None = None) -> str:
    """The signed note listing ``keys``, valid from ``issued_at`` for ``lifetime``, signed by the root key."""
    if not dt.timedelta(0) < lifetime <= MAX_LIFETIME:
        raise KeyDirectoryError(f"a key directory's lifetime is more than 0 and at most {MAX_LIFETIME.days} days, "
                                f"found {lifetime}")
    listed = list(keys)
    if not listed:
        raise KeyDirectoryError("a key directory lists at least one key")
    if len({k.public_key for k in listed}) != len(listed):
        raise KeyDirectoryError("a key directory lists each public key once")
    text = "".join([
        FORMAT + "\n",
        f"origin {_token('origin', origin)}\n",
        f"public-url {NONE if public_url is None else _token('public URL', public_url)}\n",
        f"issued {_instant(issued_at)}\n",
        f"expires {_instant(issued_at + lifetime)}\n",
        f"root {root_signer.verifier_key}\n",
        *(key_line(k) for k in listed),
    ])
    signature = root_signer.sign(text.encode("utf-8"))
    return signed_note(text, [signature_line(root_signer.name, root_signer.key_id, signature)])


def _parse_instant(where: str, value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise KeyDirectoryFormatError(f"{where}: expected an ISO 8601 instant, found {value[:40]!r}") from None
    if parsed.tzinfo is None:
        raise KeyDirectoryFormatError(f"{where}: an instant needs a time zone (Z for UTC), found {value[:40]!r}")
    return parsed


def _parse_optional_instant(where: str, value: str) -> dt.datetime | None:
    return None if value == NONE else _parse_instant(where, value)


def _parse_key_line(number: int, line: str) -> KeyInfo:
    where = f"line {number}"
    fields = line.split(" ")
    if len(fields) != 10 or fields[0] != "key":
        raise KeyDirectoryFormatError(f"{where}: expected `key` and 9 fields separated by single spaces, "
                                      f"found {len(fields) - 1} fields")
    _, kid_hex, name, purpose, owner, public_b64, status, valid_from, retired_at, compromised_since = fields
    if len(kid_hex) != 8 or any(ch not in "0123456789abcdef" for ch in kid_hex):
        raise KeyDirectoryFormatError(f"{where}: the key id is 8 lowercase hex digits, found {kid_hex[:20]!r}")
    for what, value in (("key name", name), ("purpose", purpose), ("owner", owner)):
        _token(f"{where}: {what}", value)
    try:
        public_key = base64.b64decode(public_b64, validate=True)
        Ed25519PublicKey.from_public_bytes(public_key)
    except (binascii.Error, ValueError):
        raise KeyDirectoryFormatError(f"{where}: the public key is not a base64 Ed25519 key of 32 bytes") from None
    try:
        info = KeyInfo(key_id=bytes.fromhex(kid_hex), name=name, public_key=public_key, owner=owner, purpose=purpose,
                       valid_from=_parse_instant(f"{where}: valid_from", valid_from), status=status,
                       retired_at=_parse_optional_instant(f"{where}: retired_at", retired_at),
                       compromised_since=_parse_optional_instant(f"{where}: compromised_since", compromised_since))
    except ValueError:  # KeyInfo refuses an id that is not the C2SP id of the name and key
        raise KeyDirectoryFormatError(f"{where}: key id {kid_hex} does not match the key's name and public key") \
            from None
    _check_lifecycle(where, info)
    return info


def parse_directory(text: str, trusted_root: Verifier) -> KeyDirectory:
    """Verify a key directory with the root key the verifier already trusts, then parse it.

    The signature is checked before the text is read: nothing an unsigned or foreign-signed file says is used.
    """
    if len(text) > MAX_DIRECTORY_CHARS:
        raise KeyDirectoryFormatError(f"a key directory has at most {MAX_DIRECTORY_CHARS} characters, "
                                      f"found {len(text)}")
    try:
        note = parse_note(text)
    except NoteError as e:
        raise KeyDirectoryFormatError(f"not a signed note: {e.message}") from None
    # 1. Signed by the trusted root key — never by a key the file itself names.
    if not trusted_root.verifies(note):
        raise KeyDirectoryUntrustedError(f"the key directory carries no valid signature by the trusted root key "
                                         f"{trusted_root.name}+{trusted_root.key_id.hex()}")
    lines = note.text[:-1].split("\n")
    # 2. The format line and the header, in order.
    if lines[0] != FORMAT:
        raise KeyDirectoryFormatError(f"line 1: expected {FORMAT!r}, found {lines[0][:60]!r}")
    if len(lines) < 1 + len(_HEADER) + 1:
        raise KeyDirectoryFormatError("a key directory has a header of six lines and at least one key line")
    header: dict[str, str] = {}
    for number, (field, line) in enumerate(zip(_HEADER, lines[1:1 + len(_HEADER)], strict=True), start=2):
        label, sep, value = line.partition(" ")
        if label != field or not sep:
            raise KeyDirectoryFormatError(f"line {number}: expected `{field} <value>`, found {line[:60]!r}")
        header[field] = value if field == "public-url" and value == NONE else _token(f"line {number}: {field}", value)
    issued_at = _parse_instant("line 4: issued", header["issued"])
    expires_at = _parse_instant("line 5: expires", header["expires"])
    if expires_at <= issued_at:
        raise KeyDirectoryFormatError("the directory expires before it was issued")
    # 3. The root line is for people to compare fingerprints; it must name the key that signed.
    if header["root"] != verifier_key(trusted_root.name, trusted_root.public_key):
        raise KeyDirectoryUntrustedError("the key directory names a root key other than the trusted one it is "
                                         "signed by")
    # 4. One line per key; a public key listed twice is an error, a shared key id is not.
    keys = [_parse_key_line(number, line) for number, line in enumerate(lines[1 + len(_HEADER):],
                                                                         start=2 + len(_HEADER))]
    if len({k.public_key for k in keys}) != len(keys):
        raise KeyDirectoryFormatError("a public key is listed more than once")
    public_url = None if header["public-url"] == NONE else header["public-url"]
    return KeyDirectory(origin=header["origin"], public_url=public_url, issued_at=issued_at, expires_at=expires_at,
                        root=header["root"], keys=tuple(keys))

