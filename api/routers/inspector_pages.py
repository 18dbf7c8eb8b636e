"""The inspectors' pages (issue 6, item 6): the year's targets with their online pre-check, an organization's
pre-check row by row with its evidence, and a record's signed history as a timeline.

For inspectors and the registry. A browser signs in once (``/inspect/login``: the token is pasted, checked, and
kept in an HttpOnly, SameSite=Strict cookie limited to ``/inspect``); a client may send ``Authorization: Bearer``
instead, and then gets the API's answers to a refusal (401/403 with the JSON error body). A browser without a
usable cookie is sent to the sign-in form (303), never shown an error.

Everything is read through the use cases, which decide who may read what and account for inspectors' reads of
personal data exactly as the JSON API does. House style of ``api.routers.pages``: the same layout, inline CSS
allowed by its hash, no script, nothing from another origin, zh-CN by default and English at ``?lang=en``. Every
value from data is escaped; free text is shown with anything shaped like an ID number or a mobile number hidden
(an organization may have typed one into a content or a reason), and volunteers are shown by id only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html import escape
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api import inspection_pdf, pdf
from api.application import VledgerApplication
from api.deps import PUBLIC, AppDep, get_principal, roles
from api.errors import status_of
from api.request_bodies import bounded_form
from api.routers.pages import CHINA, SECURITY_HEADERS, _e, _lang, _template, html, layout
from domain.access import Principal
from domain.draw import check_year
from domain.errors import AuthenticationError, ForbiddenError, InvalidFieldError, NotFoundError, VledgerError
from domain.people import hide_personal_numbers
from domain.workdays import china_date

router = APIRouter(tags=["inspector pages"])

COOKIE = "vledger_inspect"
COOKIE_PATH = "/inspect"
PAGE_ROLES = ("inspector", "registry")
# Each target's pre-check reads the organization's whole year (and re-verifies its certificates): a page computes
# this many, the rest are a click away.
TARGETS_PER_PAGE = 10
# Evidence links shown per finding; the finding's count says how many there are in all.
MAX_LINKS = 50
MAX_TOKEN_CHARS = 256
LOGIN_FORM_LIMIT = 4 * 1024


_LOGIN = _template("inspect_login.html")
_TARGETS = _template("inspect_targets.html")
_ORGANIZATION = _template("inspect_organization.html")
_RECORD = _template("inspect_record.html")

# key → (zh, en)
TEXT: dict[str, tuple[str, str]] = {
    "login_heading": ("监督检查人员登录", "Inspector sign-in"),
    "token_label": ("访问令牌", "Access token"),
    "token_note": ("粘贴登记管理机关发给您的令牌。令牌只保存在本浏览器的会话 Cookie 中，关闭浏览器或退出后失效。",
                   "Paste the token the registry gave you. It is kept only in this browser's session cookie, "
                   "until you sign out or close the browser."),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "login_footer": ("本页仅供监督检查人员和登记管理机关使用。", "For inspectors and the registry only."),
    "no_token": ("请粘贴访问令牌。", "Paste your access token."),
    "bad_token": ("令牌无效或已被撤销。", "The token is unknown or revoked."),
    "wrong_role": ("此令牌不属于监督检查人员或登记管理机关，不能使用检查页面。",
                   "This token is neither an inspector's nor the registry's: it cannot open these pages."),
    "targets": ("抽查对象", "Targets"),
    "targets_heading": ("{year} 年抽查对象", "Targets of {year}"),
    "no_draws": ("尚未公布抽查对象。", "No draw has been published yet."),
    "years": ("年度", "Year"),
    "draw": ("抽查区域 {region} · 候选 {candidates} 个 · 公布于 {at}",
             "Region {region} · {candidates} candidates · published {at}"),
    "not_drawn": ("已公布随机种子，尚未抽取对象。", "The seed is published; the targets are not drawn yet."),
    "shortfall": ("候选不足，少抽 {n} 个。", "{n} short of the quota: too few candidates."),
    "period_note": ("线上抽查期间：{start} 至 {end}（北京时间）。每页计算 {n} 个对象。",
                    "Pre-check period: {start} to {end} (China time). {n} targets are computed per page."),
    "period_not_started": ("该年度尚未开始，无法进行线上抽查。", "The year has not begun: nothing to pre-check."),
    "reasons": ("列入原因", "Why"),
    "precheck": ("线上抽查", "Pre-check"),
    "problems": ("✖ 存在问题 {n} 项", "✖ {n} rows with problems"),
    "no_problems": ("✔ 未发现问题", "✔ No problem found"),
    "not_computable_n": ("另有 {n} 项无法由数据判断，需现场核查", "{n} rows cannot be decided from the data"),
    "precheck_failed": ("无法计算：{message}", "Not computed: {message}"),
    "suggested": ("建议结果", "Suggested result"),
    "inspection": ("检查", "Inspection"),
    "no_inspection": ("尚未安排检查", "No inspection planned"),
    "form_pdf": ("现场检查表（PDF）", "On-site form (PDF)"),
    "open_precheck": ("查看线上抽查详情", "Open the pre-check"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "page_of": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "footer": ("检查页面内容来自签名事件日志；检查人员查阅个人信息均有记录。",
               "Read from the signed event log; inspectors' reads of personal data are recorded."),
    "org_heading": ("{name} · 线上抽查", "{name} · pre-check"),
    "period": ("检查期间", "Period"),
    "scope": ("检查范围", "Looked at"),
    "scope_value": ("志愿者 {volunteers} 人，活动 {activities} 项，记录 {records} 条，证明 {certificates} 张",
                    "{volunteers} volunteers, {activities} activities, {records} records, {certificates} certificates"),
    "computed_at": ("计算时间", "Computed at"),
    "problem_rows": ("存在问题的检查项", "Rows with problems"),
    "start_label": ("期间开始", "Period start"),
    "end_label": ("期间结束", "Period end"),
    "recompute": ("重新计算", "Compute again"),
    "inspections_title": ("本组织的检查", "Inspections of this organization"),
    "status_ok": ("✔ 未发现问题", "✔ No problem"),
    "status_problem": ("✖ 存在问题", "✖ Problem"),
    "status_not_computable": ("? 无法由数据判断", "? Cannot be decided from the data"),
    "key_point": ("重点检查内容", "Key point"),
    "note_finding": ("说明", "Note"),
    "count": ("数量：{n}", "Count: {n}"),
    "records": ("记录", "Records"),
    "certificates": ("证明", "Certificates"),
    "activities": ("活动", "Activities"),
    "volunteers_n": ("涉及志愿者 {n} 人", "{n} volunteers concerned"),
    "more": ("……另有 {n} 项未列出", "… and {n} more not listed"),
    "truncated": ("证据过多，仅列出一部分。", "Too much evidence: only part is listed."),
    "record_heading": ("服务记录的历史", "History of a service record"),
    "intact": ("✔ 历史完整：每个事件的签名均有效，版本连续。",
               "✔ Intact: every event's signature is valid and no version is missing."),
    "not_intact": ("✖ 历史不完整：有事件签名无效或版本缺失，请勿采信下方标记为无效的内容。",
                   "✖ Not intact: an event's signature fails or a version is missing. Do not rely on what is "
                   "marked invalid below."),
    "certificates_title": ("依据本记录出具的证明", "Certificates built on this record"),
    "no_certificates": ("尚无依据本记录出具的证明。", "No certificate has been built on this record."),
    "certificate_line": ("{number} · 出具于 {at} · 依据第 {version} 版（{hours} 小时） · {status}",
                         "{number} · issued {at} · built on version {version} ({hours} hours) · {status}"),
    "changed_since": ("出具后记录被修改（第 {versions} 版）", "record amended after issuance (version {versions})"),
    "timeline_title": ("时间线", "Timeline"),
    "version": ("第 {n} 版", "Version {n}"),
    "when": ("时间", "When"),
    "actor": ("操作者", "Who"),
    "signer": ("签名方", "Signed for"),
    "key": ("密钥", "Key"),
    "what": ("变动", "What changed"),
    "field": ("字段", "Field"),
    "before_after": ("修改前 → 修改后", "Before → after"),
    "no_change": ("记录内容未变", "The record's content did not change"),
    "reason": ("理由", "Why"),
    "signature_ok": ("✔ 签名有效", "✔ Signature valid"),
    "signature_bad": ("✖ 签名无效（{problem}）", "✖ Signature invalid ({problem})"),
    "issued_before": ("此前已出具的证明：{numbers}", "Certificates issued before this change: {numbers}"),
    "issued_after": ("此后出具的证明：{numbers}", "Certificates issued after this change: {numbers}"),
    "correction": ("更正申请 {id}：{step}", "Correction request {id}: {step}"),
    "record_note": ("时间均为北京时间。志愿者以编号显示；证件号码、电话号码不在检查页面显示。",
                    "Times are China time. Volunteers are shown by id; ID and phone numbers are never shown here."),
    "error_heading": ("无法显示", "Cannot be shown"),
    "back_to_targets": ("返回抽查对象", "Back to the targets"),
    "hidden": ("［已隐去］", "[hidden]"),
}

REASONS: dict[str, tuple[str, str]] = {
    "complaint": ("被投诉", "complaint"), "penalty_last_year": ("上年受处罚", "penalised last year"),
    "many_volunteers": ("注册志愿者较多", "many volunteers"),
    "frequent_activities": ("活动较频繁", "frequent activities"),
    "wide_influence": ("社会影响力较大", "wide influence"), "random": ("随机抽取", "drawn at random")}
STAGES: dict[str, tuple[str, str]] = {
    "planned": ("已计划", "planned"), "on_site": ("现场检查中", "on site"), "decided": ("已作出结论", "decided"),
    "rectifying": ("整改中", "rectifying"), "reported": ("已报告整改", "rectification reported"),
    "not_rectified": ("未整改到位", "not rectified"), "closed": ("已结案", "closed")}
RESULTS: dict[str, tuple[str, str]] = {"合格": ("合格", "pass (合格)"),
                                       "责令改正": ("责令改正", "order to correct (责令改正)"),
                                       "予以处罚": ("予以处罚", "penalty (予以处罚)")}
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "Recorded": ("创建记录", "recorded"), "Amended": ("修改记录", "amended"),
    "CorrectionRequested": ("志愿者申请更正", "correction requested by the volunteer"),
    "CorrectionDeclined": ("更正申请未被采纳", "correction request declined")}
FIELDS: dict[str, tuple[str, str]] = {
    "hours": ("服务时长（小时）", "hours"), "content": ("服务内容", "content"),
    "evaluation": ("服务评价", "evaluation"),
    "org_id": ("组织", "organization"), "activity_id": ("活动", "activity"), "volunteer_id": ("志愿者", "volunteer"),
    "paper_recorded_on": ("纸质记录日期", "paper record date"), "payment": ("报酬（元）", "payment (yuan)"),
    "warnings": ("提示", "warnings")}
CORRECTION_STEPS: dict[str, tuple[str, str]] = {"requested": ("提出", "requested"),
                                                "amended": ("已据此修改", "amended"),
                                                "declined": ("未采纳", "declined")}
CERTIFICATE_STATUS: dict[str, tuple[str, str]] = {"valid": ("有效", "valid"), "revoked": ("已撤销", "revoked")}
ACTORS: dict[str, tuple[str, str]] = {"organization": ("组织", "organization"), "inspector": ("检查人员", "inspector"),
                                      "volunteer": ("志愿者本人", "the volunteer"),
                                      "registry": ("登记管理机关", "the registry")}

# Where the sign-in form may send the browser back to: a page of these, never another site.
_NEXT = re.compile(r"/inspect(?:/(?:organizations|records)/[0-9A-Fa-f-]{36})?(?:\?[A-Za-z0-9=&_.%-]*)?")


def _t(key: str, lang: str, **values: Any) -> str:
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**values)


def _label(table: dict[str, tuple[str, str]], key: Any, lang: str) -> str:
    pair = table.get(str(key))
    return str(key) if pair is None else pair[1 if lang == "en" else 0]


def _free(text: Any, lang: str) -> str:
    """Escaped free text (a content, a reason, a finding's message) with ID and mobile numbers hidden, however they
    are spelled (``domain.people.find_personal_numbers``)."""
    if text is None or text == "":
        return "—"
    return escape(hide_personal_numbers(str(text), _t("hidden", lang)))


def _time(at: str | None) -> str:
    return "—" if not at else dt.datetime.fromisoformat(at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _href(path: str, lang: str, **query: Any) -> str:
    params = {k: v for k, v in query.items() if v is not None}
    return f"{path}?{urlencode({**params, 'lang': lang})}"


def _nav(lang: str, principal: Principal) -> str:
    """The way back to the targets, and who is signed in."""
    who = _label(ACTORS, principal.role, lang)
    return (f'<nav id="inspect-nav"><a id="targets-link" href="{escape(_href("/inspect", lang))}">'
            f'{escape(_t("targets", lang))}</a> · <span class="note">{escape(who)}</span></nav>')


def _page(content: str, lang: str, title: str, path: str, **query: Any) -> str:
    """A signed-in page, ending with the sign-out button (a form: signing out changes state, so it is a POST)."""
    other = "zh" if lang == "en" else "en"
    sign_out = (f'<form method="post" action="/inspect/logout?lang={lang}" id="sign-out-form">'
                f'<button type="submit" id="sign-out">{escape(_t("sign_out", lang))}</button></form>')
    return layout(content + sign_out, lang=lang, title=title, switch_href=_href(path, other, **query))


# -- signing in ------------------------------------------------------------------------------------------------


def _secure(app: VledgerApplication) -> bool:
    return app.settings.public_url.lower().startswith("https://")


def _next_page(value: Any) -> str | None:
    return value if isinstance(value, str) and _NEXT.fullmatch(value) else None


def _reader(request: Request, app: VledgerApplication) -> Principal | None:
    """Who reads the page. With an ``Authorization`` header the API's rules apply (an unknown token is a 401, a
    token of another role a 403: the app's JSON errors); otherwise the sign-in cookie, and None when it is missing
    or no longer valid (the caller sends the browser to the sign-in form)."""
    header = request.headers.get("authorization")
    if header is not None:
        principal = get_principal(app, header)
        if principal.role not in PAGE_ROLES:
            raise ForbiddenError("the inspection pages are for inspectors and the registry", code="inspectors_only")
        return principal
    token = request.cookies.get(COOKIE)
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    try:
        principal = app.authenticate(token)
    except AuthenticationError:
        return None  # revoked since sign-in: sign in again
    return principal if principal.role in PAGE_ROLES else None


def _to_sign_in(request: Request, lang: str) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = {"lang": lang, **({"next": here} if _next_page(here) else {})}
    response = RedirectResponse(f"/inspect/login?{urlencode(query)}", status_code=303, headers=SECURITY_HEADERS)
    if COOKIE in request.cookies:  # a stale cookie is dropped, not resent forever
        response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response


def _serve(request: Request, app: VledgerApplication, lang: str, path: str,
           build: Callable[[Principal], str | Response]) -> Response:
    """A page for a signed-in reader: the page, the sign-in form for a browser without a valid cookie, or the
    use case's refusal — as JSON to a bearer client (like the API), as a page to a browser."""
    principal = _reader(request, app)
    if principal is None:
        return _to_sign_in(request, lang)
    try:
        built = build(principal)
        return built if isinstance(built, Response) else html(built)
    except VledgerError as error:
        if "authorization" in request.headers:
            raise
        content = (_nav(lang, principal) + f'<h1>{escape(_t("error_heading", lang))}</h1>'
                   f'<p class="message" role="alert" id="message">{escape(error.message)}</p>')
        return html(_page(content, lang, _t("error_heading", lang), path), status_of(error))


def render_login(lang: str, message: str | None = None, next_page: str | None = None) -> str:
    lang = _lang(lang)
    content = _LOGIN.substitute(
        heading=escape(_t("login_heading", lang)), lang_param=lang, next=escape(next_page or ""),
        message=f'<p class="message" role="alert" id="message">{escape(message)}</p>' if message else "",
        token_label=escape(_t("token_label", lang)), max_token=MAX_TOKEN_CHARS,
        token_note=escape(_t("token_note", lang)), button=escape(_t("sign_in", lang)),
        footer=escape(_t("login_footer", lang)))
    other = "zh" if lang == "en" else "en"
    switch = f"/inspect/login?{urlencode({'lang': other, **({'next': next_page} if next_page else {})})}"
    return layout(content, lang=lang, title=_t("login_heading", lang), switch_href=switch)


def form_path(inspection_id: Any) -> str:
    """The filled on-site form, served under /inspect so the sign-in cookie (limited to /inspect) reaches it."""
    return f"/inspect/inspections/{quote(str(inspection_id), safe='')}/form.pdf"


@router.get("/inspect/inspections/{inspection_id}/form.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "the filled 现场检查表"}},
            openapi_extra=roles("registry", "inspector"))
def inspection_form_pdf(request: Request, inspection_id: UUID, app: AppDep, lang: str = "zh") -> Response:
    """The same PDF as ``GET /api/v1/inspections/{id}/form.pdf``, for a browser signed in to the inspection pages."""
    lang = _lang(lang)

    def build(principal: Principal) -> Response:
        form = app.inspection_form(principal, inspection_id)
        body = inspection_pdf.render_form(form, pdf.find_font(app.settings.pdf_font))
        return Response(body, media_type="application/pdf", headers={
            **SECURITY_HEADERS, "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="inspection-{inspection_id}.pdf"'})

    return _serve(request, app, lang, form_path(inspection_id), build)


@router.get("/inspect/login", response_class=HTMLResponse, openapi_extra=roles(PUBLIC))
def login_form(next_page: Annotated[str | None, Query(alias="next")] = None, lang: str = "zh") -> HTMLResponse:
    """The sign-in form: paste a token (``next``: the inspection page to return to)."""
    return html(render_login(lang, next_page=_next_page(next_page)))


_LOGIN_BODY = {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "properties": {"token": {"type": "string"}, "next": {"type": "string"}},
    "required": ["token"]}}}}}


@router.post("/inspect/login", response_class=HTMLResponse, openapi_extra={**roles(PUBLIC), **_LOGIN_BODY})
async def login(request: Request, app: AppDep, lang: str = "zh") -> Response:
    """Check a pasted token: an inspector's or the registry's is kept in the sign-in cookie and the browser goes
    to the targets (or back to the page it came from); any other answer is the form again (401) with a message."""
    lang = _lang(lang)
    form = await bounded_form(request, LOGIN_FORM_LIMIT)
    if form is None:
        return html(render_login(lang, _t("bad_token", lang)), 401)
    try:
        sent, back = form.get("token"), _next_page(form.get("next"))
    finally:
        await form.close()
    token = sent.strip() if isinstance(sent, str) else ""
    refused = {**SECURITY_HEADERS, "WWW-Authenticate": "Bearer"}
    if not token:
        return HTMLResponse(render_login(lang, _t("no_token", lang), back), 401, headers=refused)
    try:
        if len(token) > MAX_TOKEN_CHARS:
            raise AuthenticationError("token too long")
        principal = await run_in_threadpool(app.authenticate, token)
    except AuthenticationError:
        return HTMLResponse(render_login(lang, _t("bad_token", lang), back), 401, headers=refused)
    if principal.role not in PAGE_ROLES:
        return HTMLResponse(render_login(lang, _t("wrong_role", lang), back), 401, headers=refused)
    response = RedirectResponse(back or _href("/inspect", lang), status_code=303, headers=SECURITY_HEADERS)
    # A session cookie (no expiry): gone with the browser. Never readable by script, never sent from another site,
    # never sent outside /inspect (the API takes bearer headers only), and only over TLS where the service has it.
    response.set_cookie(COOKIE, token, path=COOKIE_PATH, httponly=True, samesite="strict", secure=_secure(app))
    return response


@router.post("/inspect/logout", response_class=HTMLResponse, openapi_extra=roles(PUBLIC))
def logout(app: AppDep, lang: str = "zh") -> Response:
    """Forget the sign-in cookie and show the form."""
    response = RedirectResponse(f"/inspect/login?lang={_lang(lang)}", status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict", secure=_secure(app))
    return response


# -- the targets -------------------------------------------------------------------------------------------------


def _int(value: str | None, field: str) -> int | None:
    # ASCII digits only: str.isdigit() also accepts "²" and other digits int() refuses (a 500, not a 422).
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        raise InvalidFieldError(field, "expected a whole number")
    return int(value)


def _year(value: str | None) -> int | None:
    year = _int(value, "year")
    return None if year is None else check_year(year)  # year 0 or 99999 is a 422, not a date error


def year_period(year: int, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """What a target of ``year`` is pre-checked over: the year so far (all of it once it is over); None before it
    begins."""
    start, end = dt.date(year, 1, 1), min(today, dt.date(year, 12, 31))
    return (start, end) if start <= end else None


def _precheck_summary(app: VledgerApplication, principal: Principal, org_id: str,
                      period: tuple[dt.date, dt.date] | None, lang: str) -> str:
    if period is None:
        return f'<dd class="precheck" data-status="not_started">{escape(_t("period_not_started", lang))}</dd>'
    try:
        report = app.precheck_organization(principal, UUID(org_id), period_start=period[0], period_end=period[1])
    except VledgerError as error:  # one target that cannot be computed does not hide the others
        return (f'<dd class="precheck" data-status="failed">'
                f'{escape(_t("precheck_failed", lang, message=error.message))}</dd>')
    problems, unknown = report["problem_rows"], report["not_computable_rows"]
    words = _t("problems", lang, n=len(problems)) if problems else _t("no_problems", lang)
    note = f'<br><span class="note">{escape(_t("not_computable_n", lang, n=len(unknown)))}</span>' if unknown else ""
    result = report["suggested_result"]
    return (f'<dd class="precheck" data-status="computed" data-problems="{len(problems)}" '
            f'data-suggested="{_e(result)}">{escape(words)} · {escape(_t("suggested", lang))}：'
            f'<strong>{escape(_label(RESULTS, result, lang))}</strong>{note}</dd>')


def _inspection_summary(inspections: list[dict[str, Any]], lang: str) -> str:
    if not inspections:
        return f'<dd class="inspection" data-stage="none">{escape(_t("no_inspection", lang))}</dd>'
    latest = inspections[0]  # newest first
    result = f" · {_label(RESULTS, latest['result'], lang)}" if latest.get("result") else ""
    pdf = form_path(latest["id"])
    return (f'<dd class="inspection" data-stage="{_e(latest["stage"])}">'
            f'{escape(_label(STAGES, latest["stage"], lang) + result)} · {_e(latest.get("planned_on"))} · '
            f'<a class="form-pdf" href="{escape(pdf)}">{escape(_t("form_pdf", lang))}</a></dd>')


def render_targets(app: VledgerApplication, principal: Principal, lang: str, *, year: int | None,
                   region: str | None, page: int) -> str:
    draws = app.list_draws(region=region)["draws"]
    years = sorted({d["year"] for d in draws}, reverse=True)
    chosen = year if year is not None else (years[0] if years else china_date(app.clock()).year)
    shown = [app.get_draw(UUID(d["id"])) for d in draws if d["year"] == chosen]
    today = china_date(app.clock())
    period = year_period(chosen, today)
    inspections: dict[str, list[dict[str, Any]]] = {}
    for item in app.list_inspections(principal, year=chosen)["inspections"]:
        inspections.setdefault(item["org_id"], []).append(item)

    current = ' aria-current="page"'
    year_links = " · ".join(
        f'<a href="{escape(_href("/inspect", lang, year=y, region=region))}"{current if y == chosen else ""}>{y}</a>'
        for y in years)
    year_nav = f'<p id="years">{escape(_t("years", lang))}：{year_links}</p>' if years else ""
    draw_cards = []
    targets: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for d in shown:
        line = _t("draw", lang, region=d["region"], candidates=d["candidate_count"], at=_time(d["published_at"]))
        extra = "" if d["targets"] is not None else f'<p class="note">{escape(_t("not_drawn", lang))}</p>'
        if d.get("shortfall"):
            extra += f'<p class="note">{escape(_t("shortfall", lang, n=d["shortfall"]))}</p>'
        draw_cards.append(f'<section class="card draw" data-draw="{_e(d["id"])}"><p>{escape(line)}</p>{extra}'
                          '</section>')
        targets.extend((d, t) for t in d["targets"] or [])
    if not shown:
        draw_cards.append(f'<section class="card"><p id="no-draws">{escape(_t("no_draws", lang))}</p></section>')

    pages = max(1, -(-len(targets) // TARGETS_PER_PAGE))
    page = min(max(page, 1), pages)
    first = (page - 1) * TARGETS_PER_PAGE
    cards = []
    for d, target in targets[first:first + TARGETS_PER_PAGE]:
        org_id = str(target["org_id"])
        name = d["names"].get(org_id) or org_id
        reasons = "、" if lang == "zh" else ", "
        reasons = reasons.join(_label(REASONS, r, lang) for r in target["reasons"])
        link = _href(f"/inspect/organizations/{quote(org_id, safe='')}", lang,
                     period_start=period[0].isoformat() if period else None,
                     period_end=period[1].isoformat() if period else None)
        cards.append(
            f'<section class="card target" data-org="{_e(org_id)}"><h2><a class="org-link" href="{escape(link)}">'
            f'{_e(name)}</a></h2><dl><dt>{escape(_t("reasons", lang))}</dt>'
            f'<dd class="reasons" data-reasons="{_e(",".join(target["reasons"]))}">{escape(reasons)}</dd>'
            f'<dt>{escape(_t("precheck", lang))}</dt>{_precheck_summary(app, principal, org_id, period, lang)}'
            f'<dt>{escape(_t("inspection", lang))}</dt>{_inspection_summary(inspections.get(org_id, []), lang)}'
            f'</dl></section>')
    pager = ""
    if pages > 1:
        links = [escape(_t("page_of", lang, page=page, pages=pages))]
        if page > 1:
            href = _href("/inspect", lang, year=chosen, region=region, page=page - 1)
            links.insert(0, f'<a id="previous-page" href="{escape(href)}">{escape(_t("previous", lang))}</a>')
        if page < pages:
            href = _href("/inspect", lang, year=chosen, region=region, page=page + 1)
            links.append(f'<a id="next-page" href="{escape(href)}">{escape(_t("next", lang))}</a>')
        pager = f'<p id="pager">{" · ".join(links)}</p>'
    period_note = (_t("period_note", lang, start=period[0], end=period[1], n=TARGETS_PER_PAGE) if period
                   else _t("period_not_started", lang))
    content = _TARGETS.substitute(
        nav=_nav(lang, principal), heading=escape(_t("targets_heading", lang, year=chosen)),
        period_note=escape(period_note), years=year_nav, draws="".join(draw_cards), targets="".join(cards),
        pager=pager, footer=escape(_t("footer", lang)))
    return _page(content, lang, _t("targets_heading", lang, year=chosen), "/inspect", year=chosen, region=region,
                 page=page if page > 1 else None)


@router.get("/inspect", response_class=HTMLResponse, openapi_extra=roles("registry", "inspector"))
def targets_page(request: Request, app: AppDep, lang: str = "zh", year: str | None = None,
                 region: str | None = None, page: str | None = None) -> Response:
    """The targets of a year's draws (the newest year by default) with their reasons, each one's online pre-check
    over the year so far (``TARGETS_PER_PAGE`` computed per page) and its inspection, if any."""
    lang = _lang(lang)
    return _serve(request, app, lang, "/inspect", lambda principal: render_targets(
        app, principal, lang, year=_year(year), region=region or None, page=_int(page, "page") or 1))


# -- an organization's pre-check ------------------------------------------------------------------------------


def _date(value: str | None, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidFieldError(field, "expected a date such as 2026-01-31") from None


def _evidence(finding: dict[str, Any], numbers: dict[str, str], lang: str) -> str:
    """The ids a finding rests on: records link to their timelines, certificates are shown by number."""
    parts = []
    records = finding.get("record_ids", [])
    if records:
        links = "".join(f'<li><a class="evidence-record" href="{escape(_href(f"/inspect/records/{rid}", lang))}" '
                        f'data-record="{_e(rid)}"><span class="mono">{_e(rid)}</span></a></li>'
                        for rid in records[:MAX_LINKS])
        more = (f'<li class="note">{escape(_t("more", lang, n=len(records) - MAX_LINKS))}</li>'
                if len(records) > MAX_LINKS else "")
        parts.append(f'<p class="note">{escape(_t("records", lang))}</p><ul class="reasons">{links}{more}</ul>')
    certificates = finding.get("certificate_ids", [])
    if certificates:
        shown = ", ".join(f'<span class="mono evidence-certificate">{_e(numbers.get(c, c))}</span>'
                          for c in certificates[:MAX_LINKS])
        parts.append(f'<p class="note">{escape(_t("certificates", lang))}：{shown}</p>')
    activities = finding.get("activity_ids", [])
    if activities:
        shown = ", ".join(f'<span class="mono">{_e(a)}</span>' for a in activities[:MAX_LINKS])
        parts.append(f'<p class="note">{escape(_t("activities", lang))}：{shown}</p>')
    if finding.get("volunteer_ids"):
        parts.append(f'<p class="note">{escape(_t("volunteers_n", lang, n=len(finding["volunteer_ids"])))}</p>')
    if finding.get("truncated"):
        parts.append(f'<p class="note">{escape(_t("truncated", lang))}</p>')
    return "".join(parts)


def _row(row: dict[str, Any], numbers: dict[str, str], lang: str) -> str:
    status = row["status"]
    findings = []
    for f in row["findings"]:
        kind = "problem" if f["problem"] else "note"
        label = "" if f["problem"] else f'<span class="note">{escape(_t("note_finding", lang))}：</span>'
        count = f' <span class="note">{escape(_t("count", lang, n=f["count"]))}</span>' if f.get("count") else ""
        findings.append(f'<li class="finding" data-code="{_e(f["code"])}" data-kind="{kind}">{label}'
                        f'{_free(f["message"], lang)}{count}{_evidence(f, numbers, lang)}</li>')
    reason = (f'<p class="note not-computable">{_free(row["reason"], lang)}</p>'
              if row.get("reason") else "")
    key = f' <span class="note">（{escape(_t("key_point", lang))}）</span>' if row.get("key_point") else ""
    listed = f'<ul class="reasons">{"".join(findings)}</ul>' if findings else ""
    return (f'<section class="card row" id="row-{_e(row["id"])}" data-row="{_e(row["id"])}" '
            f'data-status="{_e(status)}"><h2>{_e(row["text"])}{key}</h2>'
            f'<p class="status"><strong>{escape(_t(f"status_{status}", lang))}</strong> · '
            f'<span class="note">{_e(row["source"])} · <span class="mono">{_e(row["id"])}</span></span></p>'
            f'{reason}{listed}</section>')


def render_organization(app: VledgerApplication, principal: Principal, lang: str, org_id: UUID, *,
                        period_start: dt.date | None, period_end: dt.date | None) -> str:
    today = china_date(app.clock())
    end = period_end or today
    start = period_start or dt.date(end.year, 1, 1)
    report = app.precheck_organization(principal, org_id, period_start=start, period_end=end)
    numbers: dict[str, str] = report.get("certificate_numbers") or {}
    inspections = app.list_inspections(principal, org_id=org_id)["inspections"]
    name = report["organization"]["name"] or str(org_id)
    result = report["suggested_result"]
    scope = report["scope"]
    summary = [
        (_t("period", lang), escape(f"{report['period_start']} – {report['period_end']}")),
        (_t("suggested", lang), f'<strong id="suggested-result">{escape(_label(RESULTS, result, lang))}</strong>'),
        (_t("problem_rows", lang), f'<span id="problem-count">{len(report["problem_rows"])}</span>'),
        (_t("scope", lang), escape(_t("scope_value", lang, volunteers=scope.get("volunteers", 0),
                                      activities=scope.get("activities", 0), records=scope.get("records", 0),
                                      certificates=scope.get("certificates", 0)))),
        (_t("computed_at", lang), escape(_time(report.get("computed_at"))))]
    sections: list[str] = []
    current = None
    for row in report["rows"]:
        if row["section"] != current:
            current = row["section"]
            sections.append(f'<h2 class="section">{_e(current)}</h2>')
        sections.append(_row(row, numbers, lang))
    listed = "".join(
        f'<li data-inspection="{_e(i["id"])}">{_e(i["year"])} · {escape(_label(STAGES, i["stage"], lang))}'
        f'{" · " + escape(_label(RESULTS, i["result"], lang)) if i.get("result") else ""} · '
        f'<a class="form-pdf" href="{escape(form_path(i["id"]))}">'
        f'{escape(_t("form_pdf", lang))}</a></li>' for i in inspections)
    inspection_card = (f'<section class="card" id="inspections"><h2>{escape(_t("inspections_title", lang))}</h2>'
                       f'<ul class="reasons">{listed}</ul></section>' if inspections else "")
    content = _ORGANIZATION.substitute(
        nav=_nav(lang, principal), heading=escape(_t("org_heading", lang, name=name)), result=_e(result),
        summary="".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in summary),
        org_id=quote(str(org_id), safe=""), lang_param=lang, start_label=escape(_t("start_label", lang)),
        end_label=escape(_t("end_label", lang)), period_start=_e(report["period_start"]),
        period_end=_e(report["period_end"]), recompute=escape(_t("recompute", lang)), inspections=inspection_card,
        sections="".join(sections), footer=escape(_t("footer", lang)))
    return _page(content, lang, _t("org_heading", lang, name=name), f"/inspect/organizations/{org_id}",
                 period_start=report["period_start"], period_end=report["period_end"])


@router.get("/inspect/organizations/{org_id}", response_class=HTMLResponse,
            openapi_extra=roles("registry", "inspector"))
def organization_page(org_id: UUID, request: Request, app: AppDep, lang: str = "zh",
                      period_start: str | None = None, period_end: str | None = None) -> Response:
    """The online pre-check of one organization over a period (default: this year so far): every row of the
    on-site form with its status, findings and evidence, and the result §七 suggests."""
    lang = _lang(lang)
    return _serve(request, app, lang, f"/inspect/organizations/{org_id}", lambda principal: render_organization(
        app, principal, lang, org_id, period_start=_date(period_start, "period_start"),
        period_end=_date(period_end, "period_end")))


# -- a record's history ------------------------------------------------------------------------------------------


def _value(field: str, value: Any, lang: str) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field == "warnings" and isinstance(value, list):
        return escape(", ".join(str(w.get("code", w)) if isinstance(w, dict) else str(w) for w in value))
    if field.endswith("_id"):
        return f'<span class="mono">{_e(value)}</span>'
    return _free(value, lang)


class _Names:
    """Organizations' names for actors and signers, looked up once per page (the public directory)."""

    def __init__(self, app: VledgerApplication) -> None:
        self.app = app
        self.known: dict[str, str | None] = {}

    def organization(self, org_id: str) -> str | None:
        if org_id not in self.known:
            try:
                self.known[org_id] = self.app.get_organization(UUID(org_id))["name"]
            except (ValueError, NotFoundError):
                self.known[org_id] = None
        return self.known[org_id]

    def actor(self, actor: str | None, lang: str) -> str:
        if not actor:
            return "—"
        role, _, subject = actor.partition(":")
        label = _label(ACTORS, role, lang)
        if role == "organization":
            name = self.organization(subject)
            if name:
                return f"{escape(label)}：{_e(name)}"
        if role in ("volunteer", "registry"):
            return escape(label)
        return f'{escape(label)} <span class="mono">{_e(subject)}</span>'


def _event(event: dict[str, Any], all_numbers: list[str], names: _Names, lang: str) -> str:
    version = event["version"]
    kind = _label(EVENT_TYPES, event["type"], lang)
    if event["signature_valid"]:
        signature = f'<p class="signature" data-valid="true"><strong>{escape(_t("signature_ok", lang))}</strong></p>'
    else:
        problem = event.get("signature_problem") or "—"
        signature = (f'<p class="signature message" data-valid="false">'
                     f'{escape(_t("signature_bad", lang, problem=problem))}</p>')
    changes = event.get("changes") or {}
    if changes:
        rows = "".join(f'<tr data-field="{_e(field)}"><td>{escape(_label(FIELDS, field, lang))}</td>'
                       f'<td>{_value(field, change.get("from"), lang)} → {_value(field, change.get("to"), lang)}'
                       "</td></tr>" for field, change in changes.items() if isinstance(change, dict))
        what = (f'<table><thead><tr><th>{escape(_t("field", lang))}</th><th>{escape(_t("before_after", lang))}</th>'
                f'</tr></thead><tbody>{rows}</tbody></table>')
    else:
        what = f'<p class="note">{escape(_t("no_change", lang))}</p>'
    details = [(_t("when", lang), escape(_time(event.get("at")))),
               (_t("actor", lang), names.actor(event.get("actor"), lang))]
    if event.get("authority"):
        signer = names.organization(event["authority"])
        details.append((_t("signer", lang),
                        _e(signer) if signer else f'<span class="mono">{_e(event["authority"])}</span>'))
    if event.get("key_id"):
        details.append((_t("key", lang), f'<span class="mono">{_e(event["key_id"][:16])}</span>'))
    if event.get("reason"):
        details.append((_t("reason", lang), f'<span class="reason">{_free(event["reason"], lang)}</span>'))
    correction = event.get("correction")
    if correction:
        details.append((_t("what", lang), escape(_t("correction", lang, id=correction.get("id"),
                                                     step=_label(CORRECTION_STEPS, correction.get("step"), lang)))))
    before = list(event.get("certificates_issued_before") or [])
    after = [n for n in all_numbers if n not in before]
    markers = ""
    if before:
        markers += (f'<p class="note issued-before" data-numbers="{_e(",".join(before))}">'
                    f'{escape(_t("issued_before", lang, numbers=", ".join(before)))}</p>')
    if after:
        markers += (f'<p class="note issued-after" data-numbers="{_e(",".join(after))}">'
                    f'{escape(_t("issued_after", lang, numbers=", ".join(after)))}</p>')
    listed = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in details)
    return (f'<li class="event" data-version="{_e(version)}" data-type="{_e(event["type"])}">'
            f'<h3>{escape(_t("version", lang, n=version))} · {escape(kind)}</h3>{signature}<dl>{listed}</dl>'
            f'{what}{markers}</li>')


def render_record(app: VledgerApplication, principal: Principal, lang: str, record_id: UUID) -> str:
    history = app.record_history(principal, record_id)  # checks the reader and accounts for the read
    names = _Names(app)
    certificates = history["certificates"]
    numbers = [c["number"] for c in certificates]
    lines = []
    for c in certificates:
        line = _t("certificate_line", lang, number=c["number"], at=_time(c["issued_at"]),
                  version=c["record_version"], hours=c["record_hours"] if c["record_hours"] is not None else "—",
                  status=_label(CERTIFICATE_STATUS, c["status"], lang))
        if c["record_changed_since"]:
            line += " · " + _t("changed_since", lang, versions=", ".join(map(str, c["amended_in_versions"])))
        lines.append(f'<li class="certificate" data-number="{_e(c["number"])}">{escape(line)}</li>')
    certificate_card = (f'<section class="card" id="certificates"><h2>{escape(_t("certificates_title", lang))}</h2>'
                        + (f'<ul class="reasons">{"".join(lines)}</ul>' if lines
                           else f'<p class="note">{escape(_t("no_certificates", lang))}</p>') + "</section>")
    intact = bool(history["intact"])
    content = _RECORD.substitute(
        nav=_nav(lang, principal), heading=escape(_t("record_heading", lang)), record_id=_e(history["record_id"]),
        intact="true" if intact else "false", intact_text=escape(_t("intact" if intact else "not_intact", lang)),
        certificates=certificate_card, timeline_title=escape(_t("timeline_title", lang)),
        events="".join(_event(e, numbers, names, lang) for e in history["events"]),
        note=escape(_t("record_note", lang)), footer=escape(_t("footer", lang)))
    return _page(content, lang, _t("record_heading", lang), f"/inspect/records/{record_id}")


# Inspectors only: a record's full history is personal data the registry does not read (domain.access
# ``check_history_reader``); the registry signed in here gets the use case's 403.
@router.get("/inspect/records/{record_id}", response_class=HTMLResponse, openapi_extra=roles("inspector"))
def record_page(record_id: UUID, request: Request, app: AppDep, lang: str = "zh") -> Response:
    """A record's signed history as a timeline: each event's version, time, actor, changes, reason, signature
    status, and which certificates were issued before and after it."""
    lang = _lang(lang)
    return _serve(request, app, lang, f"/inspect/records/{record_id}",
                  lambda principal: render_record(app, principal, lang, record_id))
