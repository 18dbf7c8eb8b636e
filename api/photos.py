"""QR codes read from photos and scans (the page's upload, `vledger verify IMAGE`), decoded on the server."""

from __future__ import annotations

import io
from collections.abc import Iterator

import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

from domain.errors import InvalidFieldError

MAX_PHOTO_BYTES = 10 * 1024 * 1024  # a phone photo is 2-6 MB; more is refused before decoding
MAX_PIXELS = 40_000_000  # Pillow's decompression-bomb guard, set explicitly
# A phone photo of a printed certificate is 3000-4000 px wide: its QR modules are many pixels each, and sensor
# noise and JPEG blocks inside them can defeat the binarizer. Smaller copies average that away, so a photo the
# full size does not read is tried again at these longest sides.
DOWNSCALED_SIDES = (1600, 800)
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def decode_qr_image(data: bytes) -> str:
    """The text of the one QR symbol in an image (PNG, JPEG, …); a clear 4xx error otherwise, whose ``code``
    (``photo_empty``, ``photo_too_large``, ``photo_unreadable``, ``qr_not_found``, ``several_qr_codes``) lets a page
    say it in the reader's language.

    Only QR symbols are searched for: with every format on, zxing-cpp now and then also reads a spurious 1-D
    barcode across rows of QR modules. Several different QR symbols in one photo are refused rather than guessed.
    """
    if not data:
        raise InvalidFieldError("photo", "the uploaded file is empty", code="photo_empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidFieldError("photo", f"the image is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB",
                                code="photo_too_large")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            # Checked on the header, before any pixel is decoded: Pillow's own guard only refuses at twice its
            # limit (and merely warns below that).
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise InvalidFieldError("photo", f"the image has {width}×{height} pixels, more than the "
                                        f"{MAX_PIXELS // 1_000_000} million a photo may have", code="photo_too_large")
            image = ImageOps.exif_transpose(opened).convert("L")  # phones store rotation in EXIF
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
        raise InvalidFieldError("photo", "the file is not an image that can be read (PNG or JPEG)",
                                code="photo_unreadable") from e
    texts: list[str] = []
    for candidate in _sizes_to_try(image):
        found = zxingcpp.read_barcodes(candidate, formats=QR_ONLY)
        texts = list(dict.fromkeys(symbol.text for symbol in found))
        if texts:
            break
    if not texts:
        raise InvalidFieldError("photo", "no QR code was found in the image; photograph it flat and in focus",
                                code="qr_not_found")
    if len(texts) > 1:
        raise InvalidFieldError("photo", f"the image holds {len(texts)} different QR codes; photograph only one",
                                code="several_qr_codes")
    return texts[0]


def _sizes_to_try(image: Image.Image) -> Iterator[Image.Image]:
    """The image itself, then (lazily: most photos read at once) smaller copies of a large one."""
    yield image
    for side in DOWNSCALED_SIDES:
        if max(image.size) > side * 1.25:
            smaller = image.copy()
            smaller.thumbnail((side, side), Image.Resampling.LANCZOS)
            yield smaller
