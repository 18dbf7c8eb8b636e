"""C2SP signed notes and tlog-checkpoint bodies (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint).

A note is UTF-8 text ending in a newline, then a blank line, then signature lines
``— <name> <base64(4-byte key id ‖ signature)>``. An Ed25519 note signature covers the note text exactly
(including its final newline). A checkpoint's text is: origin, decimal tree size, base64 root hash, each on
its own line.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.errors import VledgerError
from keys.ids import ED25519_TYPE, check_key_name, key_id

DASH = "\u2014"  # EM DASH, as the signed-note format requires


class NoteError(VledgerError):
    """Text that is not a well-formed signed note or checkpoint."""

    code = "bad_note"


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[NoteSignature, ...]


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def signature_line(name: str, kid: bytes, signature: bytes) -> str:
    return f"{DASH} {check_key_name(name)} {base64.b64encode(kid + signature).decode()}\n"


def signed_note(text: str, lines: list[str]) -> str:
    """The note text, a blank line, and its signature lines."""
    if not text.endswith("\n"):
        raise NoteError("a note's text must end with a newline")
    return text + "\n" + "".join(lines)


def parse_note(data: str) -> Note:
    """Split a signed note into its text and signature lines."""
    text, sep, sigs = data.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise NoteError("a signed note is text, a blank line and signature lines each ending in a newline")
    signatures = []
    for line in sigs[:-1].split("\n"):
        prefix = f"{DASH} "
        parts = line[len(prefix):].split(" ") if line.startswith(prefix) else []
        if len(parts) != 2:
            raise NoteError("malformed signature line")
        try:
            check_key_name(parts[0])  # signed-note: a signature line naming no valid key makes the note malformed
        except ValueError:
            raise NoteError("a signature line's key name must be non-empty, without spaces or '+'") from None
        try:
            raw = base64.b64decode(parts[1], validate=True)
        except binascii.Error:
            raise NoteError("signature is not base64") from None
        if len(raw) < 5:
            raise NoteError("signature too short")
        signatures.append(NoteSignature(parts[0], raw[:4], raw[4:]))
    return Note(text + "\n", tuple(signatures))


@dataclass(frozen=True)
class Verifier:
    """A note verifier key ``name+hex(key id)+base64(0x01 ‖ Ed25519 public key)``."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        try:
            name, kid_hex, encoded = vkey.strip().split("+", 2)  # base64 may itself contain "+"
            raw = base64.b64decode(encoded, validate=True)
            if len(kid_hex) != 8:  # exactly 8 hex digits (bytes.fromhex would also skip spaces)
                raise ValueError(kid_hex)
            kid = bytes.fromhex(kid_hex)
            check_key_name(name)
        except (ValueError, binascii.Error):
            raise NoteError("a verifier key is name+hex8+base64") from None
        if len(kid) != 4 or raw[:1] != ED25519_TYPE or len(raw) != 33:
            raise NoteError("only Ed25519 verifier keys (type 0x01) are supported")
        if key_id(name, raw[1:]) != kid:
            raise NoteError("the verifier key's id does not match its name and key")
        return cls(name, kid, raw[1:])

    def verifies(self, note: Note) -> bool:
        """True if some signature line is by this key and verifies over the note text."""
        public = Ed25519PublicKey.from_public_bytes(self.public_key)
        for sig in note.signatures:
            if sig.name == self.name and sig.key_id == self.key_id:
                try:
                    public.verify(sig.signature, note.text.encode("utf-8"))
                    return True
                except InvalidSignature:
                    continue
        return False


def parse_checkpoint(text: str) -> Checkpoint:
    """The first three lines of a checkpoint note's text (extension lines after them are allowed)."""
    lines = text.split("\n")
    if len(lines) < 4 or not lines[0]:
        raise NoteError("a checkpoint has an origin, a size and a root hash line")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not (size_text.isascii() and size_text.isdigit()) or (size_text.startswith("0") and size_text != "0"):
        raise NoteError("the tree size must be a decimal number without leading zeros")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        raise NoteError("the root hash is not base64") from None
    if len(root) != 32:
        raise NoteError("the root hash must be 32 bytes")
    return Checkpoint(origin, int(size_text), root)
