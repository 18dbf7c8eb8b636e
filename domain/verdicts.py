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
