"""The verification page a phone camera opens: verdict first, then masked details. zh-CN by default."""

from __future__ import annotations

from html import escape
from importlib import resources
from string import Template
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import PUBLIC, AppDep, roles
from domain.verdicts import Verdict, reason_text

router = APIRouter(tags=["pages"])

_TEMPLATE = Template(resources.files("api").joinpath("templates/verify.html").read_text(encoding="utf-8"))

# verdict → (css class, icon, zh headline, en headline)
LOOK: dict[str, tuple[str, str, str, str]] = {
    "valid": ("ok", "✔", "证明有效", "Certificate valid"),
    "valid_with_warnings": ("warn", "⚠", "证明有效，但有提示", "Valid, with warnings"),
    "revoked": ("bad", "✖", "证明已撤销", "Certificate revoked"),
    "altered": ("bad", "✖", "证明被篡改", "Certificate altered"),
    "forged": ("bad", "✖", "伪造的证明", "Forged certificate"),
    "malformed": ("unknown", "?", "无法识别的证明码", "Unreadable certificate code"),
    "unverifiable": ("unknown", "?", "暂时无法核验", "Cannot be verified now"),
}

LABELS = {
    "number": ("证明编号", "Certificate number"), "masked_name": ("志愿者", "Volunteer"),
    "hours": ("服务时长（小时）", "Service hours"), "period": ("服务期间", "Service period"),
    "organization": ("出具组织", "Issuing organization"), "issue_date": ("出具日期", "Issue date"),
    "log": ("日志位置", "Log position"),
}


def render(verdict: Verdict, lang: str) -> str:
    en = lang == "en"
    css, icon, zh_head, en_head = LOOK[verdict.verdict]
    cert: dict[str, Any] | None = verdict.certificate
    rows = []
    if cert:
        values = {"number": cert["number"], "masked_name": cert["masked_name"], "hours": cert["hours"],
                  "period": f"{cert['period_start']} – {cert['period_end']}", "organization": cert["organization"],
                  "issue_date": cert["issue_date"]}
        log = verdict.details.get("log")
        if log and log.get("index") is not None:
            values["log"] = f"#{log['index']} / {log['tree_size']}"
        for key, value in values.items():
            rows.append(f"<dt>{escape(LABELS[key][1 if en else 0])}</dt><dd>{escape(str(value or '—'))}</dd>")
    for link in verdict.details.get("amended_records", []):
        label = "What changed" if en else "修改记录"
        rows.append(f"<dt>{escape(label)}</dt><dd><a href=\"{escape(link['history'])}\">"
                    f"v{link['issued_version']} → v{link['current_version']}</a></dd>")
    reasons = "".join(f"<li data-code=\"{escape(r)}\">{escape(reason_text(r, 'en' if en else 'zh'))}</li>"
                      for r in verdict.reasons)
    return _TEMPLATE.substitute(
        lang="en" if en else "zh-CN", title=escape(en_head if en else zh_head), css=css, icon=icon,
        verdict=verdict.verdict, headline=escape(en_head if en else zh_head),
        subline=escape(zh_head if en else en_head), reasons=reasons,
        details=f"<dl>{''.join(rows)}</dl>" if rows else "",
        footer=escape("Checked against the signed event log" if en else "已依据签名事件日志核验"),
        other_lang="zh" if en else "en", other_lang_name="中文" if en else "English",
    )


@router.get("/V/{payload}", response_class=HTMLResponse, openapi_extra=roles(PUBLIC))
# Cameras that lowercase URLs land here.
@router.get("/v/{payload}", response_class=HTMLResponse, include_in_schema=False, openapi_extra=roles(PUBLIC))
def verification_page(payload: str, app: AppDep, lang: str = "zh") -> HTMLResponse:
    verdict = app.verify(f"{app.settings.public_url}/V/{payload}")
    status = 200
    return HTMLResponse(render(verdict, lang), status_code=status,
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
