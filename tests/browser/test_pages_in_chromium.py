"""The verification pages in a real headless Chromium at phone width, against a real `vledger serve`.

A world with a certificate in every verdict reachable online is built in-process, then served by `vledger serve`
(the helper of tests/api/test_server.py). Playwright drives Debian's Chromium (never a downloaded browser) at
390×844, device scale 2: each verdict's page, its colour as the browser computes it, a screenshot per verdict in
tests/artifacts/browser/, the language link, the paste form, the photo upload, the CSV download — and not one
request to another origin. Without Chromium or Playwright the tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from api.application import VledgerApplication
from api.routers.pages import render
from api.settings import Settings
from domain.verdicts import Verdict
from tests.api.http_world import build_world, code_of, make_client
from tests.api.test_server import serving
from tests.api.test_verification_page import EXPECTED, every_verdict, qr_png
from tests.conftest import running_in_ci

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
WAIT_MS = 30_000  # a bound on each wait, not a performance assertion


def chromium_problem() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (Debian package chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"the playwright package is not installed: {error}"
    return None


def require_chromium() -> None:
    """Skip without a browser — or fail, under CI=true: CI must never pass by skipping the browser tier."""
    problem = chromium_problem()
    if problem is None:
        return
    if running_in_ci():
        pytest.fail(f"CI=true requires the browser tests to run, but {problem}", pytrace=False)
    pytest.skip(problem)


@dataclass
class Site:
    base: str
    codes: dict[str, str]  # verdict → QR text
    qr_png: bytes  # the valid certificate's QR, as its holder downloads it


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    require_chromium()
    root = tmp_path_factory.mktemp("browser")
    data_dir = root / "instance"
    app, token, _ = VledgerApplication.initialize(Settings(data_dir=data_dir))
    try:
        world = build_world(make_client(app), app, token)
        codes = every_verdict(world).by_verdict
        png = qr_png(world, world.certificate["id"])
    finally:
        app.close()
    with serving(data_dir, root / "serve.log") as base:
        yield Site(base, codes, png)


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Phone:
    page: Any
    requests: list[str]


@pytest.fixture
def phone(browser: Any, site: Site) -> Iterator[Phone]:
    """A fresh phone-sized context; afterwards, every request it made must have gone to the site itself."""
    context = browser.new_context(accept_downloads=True, **PHONE)
    context.set_default_timeout(WAIT_MS)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        yield Phone(context.new_page(), requests)
    finally:
        context.close()
    origin = urlsplit(site.base)
    foreign = [u for u in requests if (urlsplit(u).scheme, urlsplit(u).netloc) != (origin.scheme, origin.netloc)]
    assert requests and not foreign, f"requests to other origins: {foreign}"


def verdict_of(page: Any) -> tuple[str, str, str]:
    """(data-verdict, headline text, computed background colour) of the page's verdict element."""
    element = page.locator("#verdict")
    return (element.get_attribute("data-verdict"), element.locator("h1").inner_text(),
            element.evaluate("e => getComputedStyle(e).backgroundColor"))


def test_each_verdict_at_phone_width_has_its_words_and_its_own_colour(phone: Phone, site: Site) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    colours: dict[str, str] = {}
    for verdict, qr_text in site.codes.items():
        response = phone.page.goto(f"{site.base}/V/{code_of(qr_text)}")
        assert response is not None and response.status == 200
        shown, headline, colour = verdict_of(phone.page)
        assert (shown, headline) == (verdict, EXPECTED[verdict][2])
        icon = phone.page.locator("#verdict .icon").inner_text()
        assert icon == EXPECTED[verdict][1]
        # Verdict first: wholly inside the first screen, above the details.
        box = phone.page.locator("#verdict").bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["viewport"]["height"]  # type: ignore[index]
        colours[verdict] = colour
        phone.page.screenshot(path=str(ARTIFACTS / f"{verdict}.png"), full_page=True)
    assert len(set(colours.values())) == len(colours), colours  # the browser really applied one colour per verdict
    assert colours["valid"] == "rgb(21, 128, 61)"


def test_the_unverifiable_verdict_renders_in_chromium_too(browser: Any) -> None:
    # Reachable offline only: the page's own render function, loaded without a server.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.set_content(render(Verdict("unverifiable", ("key_directory_missing",)), "zh"))
        shown, headline, colour = verdict_of(page)
        assert (shown, headline) == ("unverifiable", EXPECTED["unverifiable"][2])
        assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
        page.screenshot(path=str(ARTIFACTS / "unverifiable.png"), full_page=True)
    finally:
        context.close()


def test_the_language_link_switches_to_english_and_back(phone: Phone, site: Site) -> None:
    phone.page.goto(f"{site.base}/V/{code_of(site.codes['valid'])}")
    assert phone.page.locator("html").get_attribute("lang") == "zh-CN"
    phone.page.click("#lang-switch")
    phone.page.wait_for_url("**lang=en")
    assert phone.page.locator("html").get_attribute("lang") == "en"
    assert verdict_of(phone.page)[1] == "Certificate valid"
    phone.page.click("#lang-switch")
    phone.page.wait_for_url("**lang=zh")
    assert verdict_of(phone.page)[1] == "证明有效"


def test_a_warning_leads_to_what_changed(phone: Phone, site: Site) -> None:
    phone.page.goto(f"{site.base}/V/{code_of(site.codes['valid_with_warnings'])}")
    phone.page.click("#changes-link")
    phone.page.wait_for_url("**/changes?lang=zh")
    assert phone.page.locator("tr[data-version='2']").count() == 1
    phone.page.screenshot(path=str(ARTIFACTS / "valid_with_warnings-changes.png"), full_page=True)


def test_a_code_pasted_into_the_form_is_verified(phone: Phone, site: Site) -> None:
    phone.page.goto(f"{site.base}/verify")
    phone.page.fill("#code", site.codes["revoked"])
    phone.page.click("#verify-code")
    phone.page.wait_for_selector("#verdict")
    assert verdict_of(phone.page)[0] == "revoked"


def test_a_photo_of_the_qr_uploaded_through_the_file_input_is_valid(phone: Phone, site: Site) -> None:
    phone.page.goto(f"{site.base}/verify?lang=en")
    phone.page.set_input_files("#photo", files=[{"name": "qr.png", "mimeType": "image/png", "buffer": site.qr_png}])
    phone.page.click("#verify-photo")
    phone.page.wait_for_selector("#verdict")
    assert verdict_of(phone.page)[:2] == ("valid", "Certificate valid")


def test_a_csv_uploaded_through_the_form_comes_back_as_a_csv_download(phone: Phone, site: Site) -> None:
    codes = [site.codes["valid"], "not a code", site.codes["forged"], site.codes["altered"]]
    upload = ("证明码\n" + "\n".join(codes) + "\n").encode("utf-8")
    phone.page.goto(f"{site.base}/verify")
    phone.page.set_input_files("#file", files=[{"name": "codes.csv", "mimeType": "text/csv", "buffer": upload}])
    with phone.page.expect_download() as info:
        phone.page.click("#verify-batch")
    download = info.value
    assert download.suggested_filename == "verdicts.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_bytes().decode("utf-8-sig"))))
    assert [r["verdict"] for r in rows] == ["valid", "malformed", "forged", "altered"]
    assert [r["row"] for r in rows] == ["2", "3", "4", "5"]
