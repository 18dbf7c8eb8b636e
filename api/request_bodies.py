"""Uploads read with a bound: a body is refused as soon as it passes its limit (declared or actually sent), before
it is held in memory or parsed. Shared by the paper-record import and the public verification forms."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData
from starlette.types import Message


async def bounded_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def replayed(request: Request, body: bytes) -> Request:
    """The request again, with a body already read (and size-checked), so Starlette can parse it as a form."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


async def bounded_form(request: Request, limit: int, *, max_fields: int = 10) -> FormData | None:
    """The submitted form (at most one file), or None when its body passes ``limit`` bytes."""
    body = await bounded_body(request, limit)
    if body is None:
        return None
    return await replayed(request, body).form(max_files=1, max_fields=max_fields)
