"""What the PDF tests need from the machine: poppler's tools and a Chinese font to embed. Without them the tests
skip — or fail, under CI=true, where skipping would hide a missing install step."""

from __future__ import annotations

import shutil

import pytest

from api import pdf
from tests.conftest import running_in_ci


def require_pdf_tools(*tools: str) -> None:
    """Skip (or, under CI=true, fail) unless each poppler tool and a Chinese font are installed."""
    problems = [f"{tool} is not installed (Debian package poppler-utils)" for tool in tools
                if shutil.which(tool) is None]
    try:
        pdf.find_font(None)
    except pdf.PdfFontMissingError as e:
        problems.append(e.message)
    if not problems:
        return
    if running_in_ci():
        pytest.fail("CI=true requires the PDF tests to run, but " + "; ".join(problems), pytrace=False)
    pytest.skip("; ".join(problems))
