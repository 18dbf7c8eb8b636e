"""An instance's data directory: the trust anchor (root public key), origin and key files."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from domain.base import REGISTRY
from domain.errors import VledgerError
from keys.ids import key_id
from keys.keyring import KeyInfo

INSTANCE_FILE = "instance.json"
ADMIN_TOKEN_FILE = "admin.token"


class NotInitializedError(VledgerError):
    code = "not_initialized"


class AlreadyInitializedError(VledgerError):
    code = "already_initialized"


def announce_initialized(data_dir: Path, token: str, generated_passphrase: bool) -> None:
    """What `vledger init` (and a first `vledger demo`) tells its user: the token, once."""
    if generated_passphrase:
        print("warning: VLEDGER_KEY_PASSPHRASE is not set; a random passphrase was written to "
              f"{data_dir / 'key-passphrase'} (development only)", file=sys.stderr)
    print(f"initialized {data_dir}")
    print(f"registry token (shown once; also in {data_dir / ADMIN_TOKEN_FILE}):")
    print(token)


@dataclass(frozen=True)
class Instance:
    """What a data directory says about itself. The root public key here is what audit trusts."""

    origin: str
    root_name: str
    root_public_key: bytes
    created_at: dt.datetime

    @property
    def root_key(self) -> KeyInfo:
        return KeyInfo(key_id=key_id(self.root_name, self.root_public_key), name=self.root_name,
                       public_key=self.root_public_key, owner=REGISTRY, purpose="root", valid_from=self.created_at)

    def save(self, data_dir: Path) -> None:
        data = {"origin": self.origin, "root": {"name": self.root_name,
                                                "public_key": base64.b64encode(self.root_public_key).decode()},
                "created_at": self.created_at.isoformat()}
        path = data_dir / INSTANCE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)

    @staticmethod
    def remove(data_dir: Path) -> None:
        (data_dir / INSTANCE_FILE).unlink(missing_ok=True)

    @classmethod
    def load(cls, data_dir: Path) -> Instance:
        path = data_dir / INSTANCE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotInitializedError(f"{data_dir} is not a vledger instance: run `vledger init` first") from None
        return cls(origin=data["origin"], root_name=data["root"]["name"],
                   root_public_key=base64.b64decode(data["root"]["public_key"]),
                   created_at=dt.datetime.fromisoformat(data["created_at"]))

    @staticmethod
    def exists(data_dir: Path) -> bool:
        return (data_dir / INSTANCE_FILE).exists()
