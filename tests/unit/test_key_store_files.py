"""Private keys on disk: encrypted PKCS#8, files mode 0600 (keys/store.py). Uses a temporary directory."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from keys.errors import KeyMaterialError
from keys.ids import fingerprint, key_id
from keys.store import PASSPHRASE_FILE, KeyStore, resolve_passphrase

PASS = b"correct horse battery staple"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_generated_key_is_written_mode_0600(tmp_path: Path) -> None:
    new = KeyStore(tmp_path, PASS).generate("vl.example.cn/vledger/root")
    path = tmp_path / "keys" / f"{fingerprint(new.public_key)}.pem"
    assert mode(path) == 0o600
    assert new.key_id == key_id("vl.example.cn/vledger/root", new.public_key)


def test_a_generated_key_is_encrypted_at_rest(tmp_path: Path) -> None:
    new = KeyStore(tmp_path, PASS).generate("k")
    pem = (tmp_path / "keys" / f"{fingerprint(new.public_key)}.pem").read_bytes()
    assert b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in pem
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(pem, password=None)


def test_another_store_with_the_passphrase_loads_the_same_key(tmp_path: Path) -> None:
    new = KeyStore(tmp_path, PASS).generate("k")
    private = KeyStore(tmp_path, PASS).private_key(new.public_key)
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert public == new.public_key


@pytest.mark.parametrize("wrong", [b"wrong passphrase", b""])
def test_loading_with_a_wrong_or_empty_passphrase_fails(tmp_path: Path, wrong: bytes) -> None:
    new = KeyStore(tmp_path, PASS).generate("k")
    with pytest.raises(KeyMaterialError) as caught:
        KeyStore(tmp_path, wrong).private_key(new.public_key)
    assert PASS.decode() not in str(caught.value)


def test_loading_without_any_passphrase_fails(tmp_path: Path) -> None:
    KeyStore(tmp_path, PASS).generate("k")
    with pytest.raises(KeyMaterialError):
        resolve_passphrase(tmp_path, None, create=False)


def test_a_missing_key_file_is_a_key_material_error(tmp_path: Path) -> None:
    other = KeyStore(tmp_path / "elsewhere", PASS).generate("k")
    with pytest.raises(KeyMaterialError):
        KeyStore(tmp_path, PASS).private_key(other.public_key)


def test_a_key_file_holding_another_key_is_refused(tmp_path: Path) -> None:
    a = KeyStore(tmp_path, PASS).generate("a")
    b = KeyStore(tmp_path, PASS).generate("b")
    keys = tmp_path / "keys"
    (keys / f"{fingerprint(a.public_key)}.pem").write_bytes((keys / f"{fingerprint(b.public_key)}.pem").read_bytes())
    with pytest.raises(KeyMaterialError):
        KeyStore(tmp_path, PASS).private_key(a.public_key)


def test_a_development_passphrase_is_generated_once_mode_0600_and_then_reused(tmp_path: Path) -> None:
    phrase, generated = resolve_passphrase(tmp_path, None, create=True)
    assert generated
    assert mode(tmp_path / PASSPHRASE_FILE) == 0o600
    assert len(phrase) >= 32
    assert resolve_passphrase(tmp_path, None, create=False) == (phrase, False)
    assert resolve_passphrase(tmp_path, None, create=True) == (phrase, False)


def test_the_environment_passphrase_wins_and_writes_nothing(tmp_path: Path) -> None:
    assert resolve_passphrase(tmp_path, "from-env", create=True) == (b"from-env", False)
    assert not (tmp_path / PASSPHRASE_FILE).exists()


def test_an_existing_key_file_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / PASSPHRASE_FILE).write_bytes(b"old")
    from keys.store import write_private_file

    with pytest.raises(FileExistsError):
        write_private_file(tmp_path / PASSPHRASE_FILE, b"new")
    assert (tmp_path / PASSPHRASE_FILE).read_bytes() == b"old"
