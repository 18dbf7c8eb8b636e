"""QR images of a certificate (DESIGN §6): decoded by an independent decoder (zxing-cpp), the text is the
certificate's URL, the symbol is at most version 10 at error-correction level M or better — also behind a
30-character public URL and with the longest masked name a payload can carry — and no personal data is in it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.application import VledgerApplication
from api.settings import Settings
from domain.certificate_code import MAX_NAME_BYTES
from tests.api.http_world import (
    FULL_NAME,
    ID_NUMBER,
    MASKED_NAME,
    PHONE,
    World,
    build_world,
    decode_qr,
    make_client,
    payload_of,
    version_of,
)

PUBLIC_URL_30 = "https://verify.example-orgs.cn"
MAX_QR_VERSION = 10
LEVELS_M_OR_BETTER = {"M", "Q", "H"}


def png_of(world: World, certificate_id: str) -> bytes:
    response = world.client.get(f"/api/v1/certificates/{certificate_id}/qr.png", headers=world.as_org())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return response.content


def test_the_png_decodes_to_the_certificate_url_at_version_10_or_less_and_level_m_or_better(world: World) -> None:
    result = decode_qr(png_of(world, world.certificate["id"]))
    assert result.text == world.certificate["qr_text"]
    assert version_of(result) <= MAX_QR_VERSION
    assert result.ec_level in LEVELS_M_OR_BETTER


def test_the_svg_is_an_svg_document(world: World) -> None:
    response = world.client.get(f"/api/v1/certificates/{world.certificate['id']}/qr.svg", headers=world.as_org())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.tag in ("svg", "{http://www.w3.org/2000/svg}svg")
    assert len(root) > 0  # it draws something


@pytest.fixture
def world_behind_30_chars(tmp_path: Path) -> Any:
    assert len(PUBLIC_URL_30) == 30
    app, token, _ = VledgerApplication.initialize(Settings(data_dir=tmp_path / "data", public_url=PUBLIC_URL_30))
    client: TestClient = make_client(app)
    try:
        yield build_world(client, app, token)
    finally:
        app.close()


def longest_maskable_name() -> str:
    """A name whose masked form fills the payload's name field: 欧 + asterisks + 明, MAX_NAME_BYTES in UTF-8."""
    name = "欧" + "阳" * (MAX_NAME_BYTES - 6) + "明"
    assert len(mask_of(name).encode("utf-8")) == MAX_NAME_BYTES
    return name


def mask_of(name: str) -> str:
    return name[0] + "*" * (len(name) - 2) + name[-1]


def test_a_30_character_public_url_still_fits_version_10_at_level_m_even_with_the_longest_masked_name(
        world_behind_30_chars: World) -> None:
    world = world_behind_30_chars
    result = decode_qr(png_of(world, world.certificate["id"]))
    assert result.text.startswith(PUBLIC_URL_30.upper() + "/V/")
    assert result.text == world.certificate["qr_text"]
    assert version_of(result) <= MAX_QR_VERSION
    assert result.ec_level in LEVELS_M_OR_BETTER

    long_named = world.register_volunteer(longest_maskable_name(), "110105200501010012")
    world.record_hours(long_named["id"], "2")
    certificate = world.issue_certificate(long_named["id"])
    result = decode_qr(png_of(world, certificate["id"]))
    assert result.text == certificate["qr_text"]
    assert version_of(result) <= MAX_QR_VERSION
    assert result.ec_level in LEVELS_M_OR_BETTER


def test_the_qr_carries_the_masked_name_but_no_full_name_id_number_or_phone(world: World) -> None:
    text = world.certificate["qr_text"]
    payload = payload_of(text)
    assert MASKED_NAME.encode("utf-8") in payload  # the decoding is right: the masked name is there
    for secret in (FULL_NAME, ID_NUMBER, ID_NUMBER.lower(), ID_NUMBER[:-1], PHONE):
        assert secret not in text
        assert secret.encode("utf-8") not in payload
    decoded = decode_qr(png_of(world, world.certificate["id"]))
    assert FULL_NAME not in decoded.text and ID_NUMBER not in decoded.text
