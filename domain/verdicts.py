"""Verification verdicts (DESIGN §6): a verdict is never a bare bool; it carries reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VERDICTS = ("valid", "valid_with_warnings", "revoked", "altered", "forged", "malformed", "unverifiable")

# reason code → (zh-CN, en)
REASONS: dict[str, tuple[str, str]] = {
    "signature_valid": ("签名有效，出自登记的组织密钥", "Signature valid, made by a registered organization key"),
    "in_log": ("证明已在记录日志中签发", "The certificate was issued through the log"),
    "claims_match_log": ("证明内容与日志记载一致", "The claims match the logged issuance"),
    "record_amended_after_issuance": ("出具后，所依据的记录被修改", "A record it was built from was amended after issuance"),
    "revoked": ("证明已被出具组织撤销", "The issuing organization revoked this certificate"),
    "signature_mismatch": ("签名与内容不符：证明内容被改动", "Signature does not match the content: the certificate was altered"),
    "claims_differ_from_log": ("证明内容与日志记载不一致", "The claims differ from the logged issuance"),
    "unknown_key": ("签名密钥未在本系统登记", "Signed by a key this service never registered"),
    "key_not_for_organization": ("签名密钥不属于出具组织", "The key does not belong to an organization"),
    "not_in_log": ("日志中没有这张证明的签发记录", "No issuance of this certificate exists in the log"),
    "bad_signature": ("签名无效", "The signature is invalid"),
    "logged_issuance_unverifiable": ("日志中的签发事件签名校验失败", "The logged issuance event fails its signature check"),
    "log_inclusion_failed": ("签发事件不在已签名的日志树中", "The issuance is not provably in the signed log tree"),
    "malformed": ("无法识别的证明编码", "Not a certificate code this service can read"),
    "foreign_url": ("二维码指向其他网址", "The QR points to another address"),
    "empty": ("未提供编码", "No code was given"),
    "too_long": ("编码过长", "The code is too long"),
    # key lifecycle (domain/key_status.py)
    "key_retired": (
        "签名密钥已轮换停用；停用前出具的证明仍然有效",
        "The signing key was retired by rotation; what it signed before stays valid"),
    "signed_after_key_retired": ("签名晚于密钥停用", "Signed after the key was retired"),
    "key_compromised_before_issuance": (
        "出具时签名密钥已泄露（已吊销）",
        "The signing key was already compromised (revoked) when this was signed"),
    "key_compromised_after_issuance": (
        "签名密钥在出具之后泄露并被吊销；本证明出具在泄露之前",
        "The signing key was compromised after this was issued; this certificate predates the compromise"),
    "key_compromised_same_day": (
        "密钥泄露当天出具，离线无法判断先后，请联网核验",
        "Issued on the day the key was compromised: offline cannot tell which came first; verify online"),
    "key_status_unknown": ("签名密钥状态无法识别，无法判断", "The signing key's status is not one this verifier knows"),
    # offline verification (api/offline.py)
    "checked_offline": (
        "离线核验：签名与密钥状态有效；撤销状态需联网核验",
        "Checked offline: signature and key status are valid; revocation needs an online check"),
    "key_directory_missing": ("没有可用的密钥目录", "No key directory is available"),
    "key_directory_stale": ("密钥目录已过期，请更新后再核验", "The key directory is past its lifetime; refresh it and verify again"),
    "key_directory_untrusted": ("密钥目录签名无效或不是根密钥签发", "The key directory is not signed by the trusted root key"),
    "key_not_in_directory": ("密钥目录中没有该签名密钥", "The signing key is not in the key directory"),
    "no_trust_anchor": ("未提供可信根密钥", "No trusted root key was given"),
    "key_directory_malformed": ("密钥目录格式无法识别", "The key directory is not in a format this service can read"),
    "claims_not_checked_offline": (
        "显示的是证明自身所载内容：离线无法与日志核对，也无法得知证明是否已被撤销",
        "The details shown are the certificate's own claims: offline they cannot be compared with the log, "
        "nor can a revocation of the certificate be seen"),
}


def reason_text(code: str, lang: str = "zh") -> str:
    zh, en = REASONS.get(code, (code, code))
    return en if lang == "en" else zh


@dataclass(frozen=True)
class Verdict:
    """Outcome of verifying one certificate code."""

    verdict: str
    reasons: tuple[str, ...]
    certificate: dict[str, Any] | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict}")

    @property
    def trusted_by_log(self) -> bool:
        """Verdicts that rest on the log's word, and so on its inclusion proof."""
        return self.verdict in ("valid", "valid_with_warnings", "revoked")

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reasons": [{"code": r, "zh": reason_text(r, "zh"), "en": reason_text(r, "en")} for r in self.reasons],
            "certificate": self.certificate,
            **self.details,
        }
