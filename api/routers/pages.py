"""The pages a phone camera, a school clerk or an employer opens: the verdict first, then the masked details.

zh-CN by default, English at ``?lang=en``. No script, no external origin: the verdict needs no JavaScript, the CSS
is inline and allowed by its hash in the Content-Security-Policy, fonts are the system's. Everything that comes
from data is HTML-escaped where it is put into the page; personal data is the masked name only.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from html import escape
from importlib import resources
from string import Template
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.deps import PUBLIC, AppDep, roles
from api.photos import MAX_PHOTO_BYTES, decode_qr_image
from api.request_bodies import bounded_body, bounded_form
from api.verification import MAX_INPUT_CHARS
from api.verify_csv import MAX_BATCH, MAX_CSV_BYTES, BatchFileError, read_codes, write_verdicts
from domain.certificate_code import MalformedCodeError, split_url
from domain.errors import InvalidFieldError, NotFoundError
from domain.verdicts import Verdict, reason_text

router = APIRouter(tags=["pages"])


def _template(name: str) -> Template:
    return Template(resources.files("api").joinpath(f"templates/{name}").read_text(encoding="utf-8"))


_LAYOUT = _template("layout.html")
_VERIFY = _template("verify.html")
_FORM = _template("form.html")
_CHANGES = _template("changes.html")
_MESSAGE = _template("message.html")

# The one inline style block is allowed by its hash: no 'unsafe-inline', and no script source at all.
_STYLE = re.search(r"<style>(.*?)</style>", _LAYOUT.template, re.S)
assert _STYLE is not None
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.group(1).encode("utf-8")).digest()).decode("ascii")
CONTENT_SECURITY_POLICY = (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'self'; "
                           "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Referrer-Policy": "no-referrer",
                    "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}

# Room for the multipart envelope (boundaries, part headers, the lang and code fields) around an uploaded file.
FORM_OVERHEAD = 64 * 1024
CHINA = dt.timezone(dt.timedelta(hours=8), "UTC+8")


# verdict → (CSS class, icon, (zh headline, en headline), (zh advice, en advice)). Colour, icon and words each say
# the verdict on their own: never colour alone.
LOOK: dict[str, tuple[str, str, tuple[str, str], tuple[str, str]]] = {
    "valid": ("v-valid", "✔", ("证明有效", "Certificate valid"), (
        "由登记的组织出具，内容与签名日志的记载一致。",
        "Issued by a registered organization; its contents match the signed log.")),
    "valid_with_warnings": ("v-valid_with_warnings", "!", ("证明有效，但有提示", "Valid, with warnings"), (
        "证明真实，但出具后所依据的记录有变动，请查看变动内容。",
        "Genuine, but a record it is built on changed after issuance: see what changed.")),
    "revoked": ("v-revoked", "⊘", ("证明已撤销", "Certificate revoked"), (
        "出具组织已撤销这份证明，请勿采信。",
        "The issuing organization revoked this certificate. Do not rely on it.")),
    "altered": ("v-altered", "≠", ("证明被篡改", "Certificate altered"), (
        "证明内容与出具时不一致，请勿采信；下方为日志记载的内容。",
        "Its contents differ from what was issued. Do not rely on it; below is what the log records.")),
    "forged": ("v-forged", "✖", ("伪造的证明", "Forged certificate"), (
        "这不是经本系统出具的证明，请勿采信。",
        "This was not issued through this service. Do not rely on it.")),
    "malformed": ("v-malformed", "?", ("无法识别的证明码", "Unreadable certificate code"), (
        "读不出证明码，请重新扫描或检查输入的内容。",
        "The code cannot be read. Scan it again or check what was typed.")),
    "unverifiable": ("v-unverifiable", "…", ("暂时无法核验", "Cannot be verified now"), (
        "暂时无法核验，这并不表示证明是伪造的；请联网后再试。",
        "It cannot be checked right now; that does not mean it is forged. Try again online.")),
}

# key → (zh, en)
TEXT: dict[str, tuple[str, str]] = {
    "brand": ("志愿服务记录证明核验", "Volunteer certificate check"),
    "number": ("证明编号", "Certificate number"),
    "masked_name": ("志愿者", "Volunteer"),
    "hours": ("服务时长（小时）", "Service hours"),
    "period": ("服务期间", "Service period"),
    "organization": ("出具组织", "Issuing organization"),
    "issue_date": ("出具日期", "Issue date"),
    "details_title": ("证明信息（以日志记载为准）", "The certificate as the log records it"),
    "reasons_title": ("核验依据", "Why"),
    "log_title": ("透明日志", "Transparency log"),
    "log_position": ("日志位置", "Log position"),
    "leaf_of": ("第 {index} 条 / 共 {size} 条", "entry {index} of a tree of {size}"),
    "leaf_only": ("第 {index} 条（尚无签名检查点）", "entry {index} (no signed checkpoint yet)"),
    "inclusion_proof": ("包含证明", "Inclusion proof"),
    "checkpoint": ("签名检查点", "Signed checkpoint"),
    "what_changed": ("变动内容", "What changed"),
    "see_changes": ("查看出具后记录的变动", "See what changed after issuance"),
    "full_history": ("完整历史（仅出具组织和监督检查人员可查看）",
                     "Full history (issuing organization and inspectors only)"),
    "footer": ("核验结果由本服务依据签名事件日志给出", "Answered by this service from its signed event log"),
    "checked_at": ("核验时间", "Checked at"),
    "another": ("核验其他证明", "Check another certificate"),
    "form_heading": ("核验志愿服务记录证明", "Check a volunteer service certificate"),
    "code_title": ("输入证明码", "Paste a code"),
    "code_label": ("二维码中的网址或证明码", "The address in the QR code, or the code itself"),
    "verify_button": ("核验", "Check"),
    "photo_title": ("上传二维码照片", "Upload a photo of the QR code"),
    "photo_label": ("拍摄或选择证明上二维码的照片", "Take or choose a photo of the certificate's QR code"),
    "photo_note": ("照片在服务器上识别，不会保存。最大 {mb} MB。",
                   "The photo is read on the server and not kept. At most {mb} MB."),
    "batch_title": ("批量核验（CSV 文件）", "Check many (CSV file)"),
    "batch_label": ("每行一个证明码，放在第一列", "One code per row, in the first column"),
    "batch_note": ("最多 {n} 个证明码；UTF-8 或 GB18030 编码，可有表头。返回每个证明码的核验结果（CSV）。",
                   "At most {n} codes; UTF-8 or GB18030, a header row is fine. You get a CSV of verdicts back."),
    "batch_button": ("上传并下载结果", "Upload and download the verdicts"),
    "form_footer": ("本页不使用脚本，也不从其他网站加载任何内容。",
                    "This page runs no script and loads nothing from other sites."),
    "nothing_given": ("请输入证明码或选择一张二维码照片。", "Enter a code or choose a photo of a QR code."),
    "too_large_photo": ("照片超过 {mb} MB，请缩小后再上传。", "The photo is larger than {mb} MB; send a smaller one."),
    "too_large_csv": ("文件超过 {kb} KB，请拆分后再上传。", "The file is larger than {kb} KB; split it."),
    "no_file": ("请选择一个 CSV 文件。", "Choose a CSV file."),
    "csv_problem": ("CSV 文件无法处理：", "The CSV file cannot be used: "),
    "photo_empty": ("上传的文件是空的。", "The uploaded file is empty."),
    "photo_too_large": ("照片超过 {mb} MB，请缩小后再上传。", "The photo is larger than {mb} MB; send a smaller one."),
    "photo_unreadable": ("无法读取这个文件，请上传 PNG 或 JPEG 照片。",
                         "The file cannot be read as an image; send a PNG or JPEG."),
    "qr_not_found": ("照片中没有找到二维码，请把证明放平、对准焦距后再拍一次。",
                     "No QR code was found in the photo; lay the certificate flat, focus and try again."),
    "several_qr_codes": ("照片中有多个不同的二维码，请只拍一个。",
                         "The photo holds several different QR codes; photograph only one."),
    "changes_heading": ("出具后记录的变动", "What changed after issuance"),
    "verdict": ("核验结果", "Verdict"),
    "no_changes": ("出具后，证明所依据的记录没有变动。",
                   "The records this certificate is built on have not changed since it was issued."),
    "record": ("记录 {n}", "Record {n}"),
    "issued_as": ("出具时为第 {version} 版，{hours} 小时；现为第 {current} 版，{now} 小时",
                  "Version {version} with {hours} hours at issuance; now version {current} with {now} hours"),
    "when": ("时间（北京时间）", "When (China time)"),
    "version": ("版本", "Version"),
    "change": ("变动", "Change"),
    "hours_change": ("时长（小时）", "Hours"),
    "amended": ("修改：", "Amended: "),
    "correction_requested": ("志愿者申请更正（记录未变）", "Correction requested by the volunteer (record unchanged)"),
    "correction_declined": ("更正申请未被采纳（记录未变）", "Correction request declined (record unchanged)"),
    "privacy_note": ("为保护个人信息，这里不显示修改理由、修改内容的文字和修改人；"
                     "出具组织和监督检查人员可查看完整历史。",
                     "To protect personal information, reasons, changed texts and who made a change are not shown "
                     "here; the issuing organization and inspectors see the full history."),
    "back": ("返回核验结果", "Back to the verdict"),
    "no_such_certificate": ("这个证明码不能核验为经日志出具的证明，因此没有可显示的变动。",
                            "This code does not verify as a certificate issued through the log, so there are no "
                            "changes to show."),
    "not_found_heading": ("没有可显示的内容", "Nothing to show"),
}

FIELD_NAMES: dict[str, tuple[str, str]] = {"hours": ("服务时长", "hours"), "content": ("服务内容", "content"),
                                           "evaluation": ("服务评价", "evaluation")}


def _lang(lang: str | None) -> str:
    return "en" if lang == "en" else "zh"


def _t(key: str, lang: str, **values: Any) -> str:
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**values)


def _e(value: Any) -> str:
    """HTML-escaped text of a value from data (None shown as a dash)."""
    return escape("—" if value is None or value == "" else str(value))


def _path_segment(payload: str) -> str:
    return quote(payload, safe="")


def layout(content: str, *, lang: str, title: str, switch_href: str) -> str:
    """The whole page around already-escaped content, with the visible language switch."""
    other = "zh" if lang == "en" else "en"
    return _LAYOUT.substitute(lang="en" if lang == "en" else "zh-CN", lang_param=lang, title=escape(title),
                              brand=escape(_t("brand", lang)), switch_href=escape(switch_href),
                              other_lang_tag="zh-CN" if other == "zh" else "en",
                              other_lang_name="中文" if other == "zh" else "English", content=content)


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


# -- the verdict page ------------------------------------------------------------------------------------------


def _china_time(at: dt.datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def render(verdict: Verdict, lang: str, *, payload: str | None = None, checked_at: dt.datetime | None = None) -> str:
    """The verdict page of one verification. ``payload`` (the code as in ``/V/{payload}``) of a genuine certificate
    links its other language and its changes."""
    lang = _lang(lang)
    other = "zh" if lang == "en" else "en"
    css, icon, headlines, advice = LOOK[verdict.verdict]
    headline = headlines[1] if lang == "en" else headlines[0]
    # The code goes back into links only when it is a genuine certificate's: whatever else was sent (an ID number
    # typed by mistake, say) is never echoed into the page.
    base = f"/V/{_path_segment(payload)}" if payload is not None and verdict.trusted_by_log else None
    cert: dict[str, Any] | None = verdict.certificate
    details = ""
    if cert:
        values = {"number": cert.get("number"), "masked_name": cert.get("masked_name"), "hours": cert.get("hours"),
                  "period": f"{cert.get('period_start')} – {cert.get('period_end')}",
                  "organization": cert.get("organization"), "issue_date": cert.get("issue_date")}
        rows = [f'<dt>{escape(_t(key, lang))}</dt><dd id="d-{key}">{_e(value)}</dd>' for key, value in values.items()]
        if verdict.verdict == "valid_with_warnings" and base is not None:
            rows.append(f'<dt>{escape(_t("what_changed", lang))}</dt><dd><a id="changes-link" '
                        f'href="{escape(base)}/changes?lang={lang}">{escape(_t("see_changes", lang))}</a></dd>')
        # The full history needs a token; linked so the organization or an inspector reading the page can go there.
        history = " ".join(f'<a href="{_e(link.get("history"))}">v{_e(link.get("issued_version"))} → '
                           f'v{_e(link.get("current_version"))}</a>'
                           for link in verdict.details.get("amended_records", []))
        if history:
            history = f'<p class="note" id="full-history">{escape(_t("full_history", lang))}: {history}</p>'
        details = (f'<section class="card" id="details"><h2>{escape(_t("details_title", lang))}</h2>'
                   f'<dl>{"".join(rows)}</dl>{history}</section>')
    log = ""
    evidence = verdict.details.get("log")
    if cert and isinstance(evidence, dict) and evidence.get("index") is not None:
        index, size = evidence["index"], evidence.get("tree_size")
        if size is not None:
            proof = "/api/v1/log/proof/inclusion?" + urlencode({"index": index, "tree_size": size})
            position = escape(_t("leaf_of", lang, index=index, size=size))
            links = (f'<dt>{escape(_t("inclusion_proof", lang))}</dt><dd><a id="inclusion-link" '
                     f'href="{escape(proof)}">{escape(proof)}</a></dd>'
                     f'<dt>{escape(_t("checkpoint", lang))}</dt><dd><a href="/log/checkpoint">/log/checkpoint</a></dd>')
        else:
            position, links = escape(_t("leaf_only", lang, index=index)), ""
        log = (f'<section class="card" id="log"><h2>{escape(_t("log_title", lang))}</h2><dl>'
               f'<dt>{escape(_t("log_position", lang))}</dt><dd id="d-log">{position}</dd>{links}</dl></section>')
    reasons = "".join(f'<li data-code="{escape(r)}">{escape(reason_text(r, lang))}</li>' for r in verdict.reasons)
    footer = escape(_t("footer", lang))
    if checked_at is not None:
        footer += f" · {escape(_t('checked_at', lang))} {escape(_china_time(checked_at))}"
    content = _VERIFY.substitute(
        css=css, icon=icon, verdict=escape(verdict.verdict), headline=escape(headline),
        advice=escape(advice[1] if lang == "en" else advice[0]), details=details,
        reasons_title=escape(_t("reasons_title", lang)), reasons=reasons, log=log, footer=footer,
        lang_param=lang, another=escape(_t("another", lang)))
    # Relative otherwise: on /V/… it stays on the same page, after a form post it leads back to the form.
    switch = f"{base}?lang={other}" if base is not None else f"?lang={other}"
    return layout(content, lang=lang, title=headline, switch_href=switch)


@router.get("/V/{payload}", response_class=HTMLResponse, openapi_extra=roles(PUBLIC))
# Cameras that lowercase URLs land here.
@router.get("/v/{payload}", response_class=HTMLResponse, include_in_schema=False, openapi_extra=roles(PUBLIC))
def verification_page(payload: str, app: AppDep, lang: str = "zh") -> HTMLResponse:
    """The page the certificate's QR opens: the verdict, then the certificate as the log records it (masked)."""
    verdict = app.verify(f"{app.settings.public_url}/V/{payload}")
    return html(render(verdict, lang, payload=payload, checked_at=app.clock()))


# -- what changed ----------------------------------------------------------------------------------------------


def render_changes(answer: dict[str, Any], lang: str, payload: str) -> str:
    """The public list of a genuine certificate's record changes since issuance: no free text, no names."""
    lang = _lang(lang)
    cert = answer["certificate"]
    css, icon, headlines, _ = LOOK[answer["verdict"]]
    summary = (f'<dt>{escape(_t("verdict", lang))}</dt><dd><span class="mono" data-verdict="{_e(answer["verdict"])}">'
               f'{escape(icon)} {escape(headlines[1] if lang == "en" else headlines[0])}</span></dd>'
               + "".join(f"<dt>{escape(_t(key, lang))}</dt><dd>{_e(cert.get(key))}</dd>"
                         for key in ("number", "masked_name", "hours", "organization", "issue_date")))
    sections = []
    for n, record in enumerate(answer["records"], start=1):
        rows = []
        for change in record["changes"]:
            kind = change["type"]
            if kind == "amended":
                names = [FIELD_NAMES.get(f, (f, f))[1 if lang == "en" else 0] for f in change["fields"]]
                what = _t("amended", lang) + ("、" if lang == "zh" else ", ").join(names)
            else:
                what = _t(kind, lang)
            at = _china_time(dt.datetime.fromisoformat(change["at"]))
            rows.append(f'<tr data-version="{_e(change["version"])}"><td>{_e(at)}</td><td>v{_e(change["version"])}'
                        f'</td><td>{escape(what)}</td><td>{_e(change["hours_before"])} → {_e(change["hours_after"])}'
                        "</td></tr>")
        head = "".join(f"<th>{escape(_t(k, lang))}</th>" for k in ("when", "version", "change", "hours_change"))
        issued = _t("issued_as", lang, version=record["issued_version"], hours=record["issued_hours"],
                    current=record["current_version"], now=record["current_hours"])
        sections.append(f'<section class="card record"><h2>{escape(_t("record", lang, n=n))}</h2>'
                        f'<p class="note">{escape(issued)}</p><p class="note mono">{_e(record["record_id"])}</p>'
                        f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></section>')
    if not sections:
        sections.append(f'<section class="card"><p>{escape(_t("no_changes", lang))}</p></section>')
    base = f"/V/{_path_segment(payload)}"
    content = _CHANGES.substitute(heading=escape(_t("changes_heading", lang)), summary=summary,
                                  records="".join(sections), privacy_note=escape(_t("privacy_note", lang)),
                                  back_href=escape(f"{base}?lang={lang}"), back=escape(_t("back", lang)))
    other = "zh" if lang == "en" else "en"
    return layout(content, lang=lang, title=_t("changes_heading", lang), switch_href=f"{base}/changes?lang={other}")


def render_message(heading: str, message: str, lang: str, switch_href: str) -> str:
    content = _MESSAGE.substitute(heading=escape(heading), message=escape(message), lang_param=lang,
                                  another=escape(_t("another", lang)))
    return layout(content, lang=lang, title=heading, switch_href=switch_href)


@router.get("/V/{payload}/changes", response_class=HTMLResponse, openapi_extra=roles(PUBLIC))
@router.get("/v/{payload}/changes", response_class=HTMLResponse, include_in_schema=False,
            openapi_extra=roles(PUBLIC))
def changes_page(payload: str, app: AppDep, lang: str = "zh") -> HTMLResponse:
    """What changed on the records of a genuine certificate after its issuance; 404 for any other code."""
    lang = _lang(lang)
    try:
        answer = app.public_changes(f"{app.settings.public_url}/V/{payload}")
    except NotFoundError:
        other = "zh" if lang == "en" else "en"
        return html(render_message(_t("not_found_heading", lang), _t("no_such_certificate", lang), lang,
                                   f"?lang={other}"), 404)
    return html(render_changes(answer, lang, payload))


# -- forms: paste a code, upload a photo, upload a CSV -----------------------------------------------------------


def render_form(lang: str, message: str | None = None) -> str:
    """The forms, with a message when a submission could not be answered. What was sent is never echoed back (it
    may be an ID number typed into the wrong field)."""
    lang = _lang(lang)
    mb = MAX_PHOTO_BYTES // (1024 * 1024)
    content = _FORM.substitute(
        heading=escape(_t("form_heading", lang)),
        message=f'<p class="message" role="alert" id="message">{escape(message)}</p>' if message else "",
        lang_param=lang, code_title=escape(_t("code_title", lang)), code_label=escape(_t("code_label", lang)),
        max_code=MAX_INPUT_CHARS,
        verify_button=escape(_t("verify_button", lang)), photo_title=escape(_t("photo_title", lang)),
        photo_label=escape(_t("photo_label", lang)), photo_note=escape(_t("photo_note", lang, mb=mb)),
        batch_title=escape(_t("batch_title", lang)), batch_label=escape(_t("batch_label", lang)),
        batch_note=escape(_t("batch_note", lang, n=MAX_BATCH)), batch_button=escape(_t("batch_button", lang)),
        footer=escape(_t("form_footer", lang)))
    other = "zh" if lang == "en" else "en"
    return layout(content, lang=lang, title=_t("form_heading", lang), switch_href=f"/verify?lang={other}")


@router.get("/verify", response_class=HTMLResponse, openapi_extra=roles(PUBLIC))
def verify_form(lang: str = "zh") -> HTMLResponse:
    """Forms to paste a code, upload a photo of a QR code, or upload a CSV of codes."""
    return html(render_form(lang))


# A payload echoed into the result page's links: base32 letters and digits only (lowercase from some cameras).
_BASE32 = re.compile(r"[A-Za-z2-7]+")


def _payload_of(text: str, public_url: str) -> str | None:
    """The ``/V/`` payload of a pasted or scanned code, when it has one, for the result page's links."""
    try:
        payload = split_url(text, public_url)
    except MalformedCodeError:
        return None
    return payload if len(payload) <= MAX_INPUT_CHARS and _BASE32.fullmatch(payload) else None


RAW_CSV_TYPES = ("text/csv", "text/plain", "application/csv", "application/octet-stream")
_FORM_BODY = {"requestBody": {"content": {
    "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"code": {"type": "string"}}}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "code": {"type": "string"}, "photo": {"type": "string", "format": "binary"}}}}}}}


@router.post("/verify", response_class=HTMLResponse, openapi_extra={**roles(PUBLIC), **_FORM_BODY})
async def verify_submitted(request: Request, app: AppDep, lang: str = "zh") -> HTMLResponse:
    """The verdict page for a pasted code (``code``) or a photo of its QR code (``photo``, decoded here); the form
    again with a message (422, or 413 for an oversize photo) when neither gives a code."""
    lang = _lang(lang)
    form = await bounded_form(request, MAX_PHOTO_BYTES + FORM_OVERHEAD)
    if form is None:
        return html(render_form(lang, _t("too_large_photo", lang, mb=MAX_PHOTO_BYTES // (1024 * 1024))), 413)
    try:
        photo = form.get("photo")
        data = await photo.read() if isinstance(photo, UploadFile) else b""
        typed = form.get("code")
    finally:
        await form.close()
    code = typed.strip() if isinstance(typed, str) else ""
    if data:
        try:
            text = await run_in_threadpool(decode_qr_image, data)
        except InvalidFieldError as e:
            key = e.code if e.code in TEXT else "photo_unreadable"
            status = 413 if e.code == "photo_too_large" else 422
            return html(render_form(lang, _t(key, lang, mb=MAX_PHOTO_BYTES // (1024 * 1024))), status)
    elif code:
        text = code
    else:
        return html(render_form(lang, _t("nothing_given", lang)), 422)
    verdict = await run_in_threadpool(app.verify, text)
    return html(render(verdict, lang, payload=_payload_of(text, app.settings.public_url), checked_at=app.clock()))


@router.post("/verify/batch.csv", openapi_extra={
    **roles(PUBLIC), "requestBody": {"content": {
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}, "required": ["file"]}},
        "text/csv": {"schema": {"type": "string"}}}},
    "responses": {"200": {"content": {"text/csv": {}}}}})
async def verify_csv_upload(request: Request, app: AppDep, lang: str = "zh") -> Response:
    """Upload a CSV of codes (first column, ≤ 1,000, optional header, UTF-8 or GB18030) as a multipart ``file`` or
    as the raw body (text/csv): a CSV of verdicts comes back in input order. A file that is not such a CSV: the form
    again with a message (422; 413 too large)."""
    lang = _lang(lang)
    too_large = html(render_form(lang, _t("too_large_csv", lang, kb=MAX_CSV_BYTES // 1024)), 413)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data: bytes | None
    if content_type in RAW_CSV_TYPES:  # `curl --data-binary @codes.csv -H 'Content-Type: text/csv'`
        data = await bounded_body(request, MAX_CSV_BYTES)
        if data is None:
            return too_large
    else:
        form = await bounded_form(request, MAX_CSV_BYTES + FORM_OVERHEAD)
        if form is None:
            return too_large
        try:
            upload = form.get("file")
            data = await upload.read() if isinstance(upload, UploadFile) else None
        finally:
            await form.close()
    if not data:
        return html(render_form(lang, _t("no_file", lang)), 422)
    try:
        rows = read_codes(data)
    except BatchFileError as e:
        problem = e.message.removeprefix("file: ") if lang == "en" else e.zh
        return html(render_form(lang, _t("csv_problem", lang) + problem), 422)

    def answer() -> bytes:
        return write_verdicts((row, app.verify(row.code)) for row in rows)

    body = await run_in_threadpool(answer)
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        **SECURITY_HEADERS, "Content-Disposition": 'attachment; filename="verdicts.csv"'})
