"""QR symbols of certificate URLs, rendered by segno (PNG and SVG for the web and downloads).

The URL is uppercase so the whole text stays in QR alphanumeric mode; segno then raises the error
correction level as far as the symbol's version allows (boost_error), never below M, and refuses to
exceed version 10 so the code stays scannable when printed small.
"""

from __future__ import annotations

import io

import segno

from domain.errors import VledgerError

MAX_VERSION = 10


class QRCodeTooLargeError(VledgerError):
    code = "qr_too_large"


def make_symbol(text: str) -> segno.QRCode:
    """A QR symbol at error level M or better, version ≤ 10."""
    try:
        return segno.make_qr(text, error="m", boost_error=True, version=None, mode=None)
    except segno.DataOverflowError:
        raise QRCodeTooLargeError("the certificate URL does not fit a QR symbol") from None


def checked_symbol(text: str) -> segno.QRCode:
    symbol = make_symbol(text)
    if symbol.version > MAX_VERSION:  # type: ignore[operator]
        raise QRCodeTooLargeError(f"the certificate URL needs QR version {symbol.version}; at most {MAX_VERSION} "
                                  "is allowed: shorten VLEDGER_PUBLIC_URL")
    return symbol


def png(text: str, scale: int = 6) -> bytes:
    buf = io.BytesIO()
    checked_symbol(text).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def svg(text: str, scale: int = 6) -> bytes:
    buf = io.BytesIO()
    checked_symbol(text).save(buf, kind="svg", scale=scale, border=4, xmldecl=True, svgns=True,
                              title="志愿服务记录证明 / volunteer service certificate")
    return buf.getvalue()
