"""The load generator of bench/bench_http.py, run in its own process: HTTP/1.1 keep-alive over asyncio streams.

Usage: python bench/http_load.py BASE_URL SPEC_JSON   → one JSON line on stdout.
SPEC: method, path, json (body, optional), mode "closed" (connections, seconds) or "open" (rate, seconds,
connections = the most connections it may open). Raw sockets rather than an HTTP client library, so the client
costs little next to the server it measures; responses are read in full (Content-Length) and non-2xx counted as
errors.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import urlparse


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> int:
        """Send one request, read its whole response, return the status code."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def build_request(host: str, port: int, spec: dict[str, Any]) -> bytes:
    body = json.dumps(spec["json"]).encode() if "json" in spec else b""
    headers = [f"{spec['method']} {spec['path']} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
    if body:
        headers += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


async def closed_loop(host: str, port: int, raw: bytes, connections: int, seconds: float) -> dict[str, Any]:
    done = errors = 0
    first_error: str | None = None
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, errors, first_error
        conn = await Connection.open(host, port)
        try:
            while time.perf_counter() < deadline:
                status = await conn.request(raw)
                if 200 <= status < 300:
                    done += 1
                else:
                    errors += 1
                    first_error = first_error or f"HTTP {status}"
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return {"requests": done, "errors": errors, "first_error": first_error, "seconds": elapsed,
            "requests_per_s": done / elapsed}


async def open_loop(host: str, port: int, raw: bytes, rate: float, seconds: float, connections: int) -> dict[str, Any]:
    idle: list[Connection] = []
    opened = 0
    latencies: list[float] = []
    errors = 0
    slot = asyncio.Semaphore(connections)

    async def one(scheduled: float) -> None:
        nonlocal opened, errors
        async with slot:
            reused = bool(idle)
            if idle:
                conn = idle.pop()
            else:
                opened += 1
                conn = await Connection.open(host, port)
            try:
                status = await conn.request(raw)
            except (OSError, asyncio.IncompleteReadError):
                conn.close()
                if not reused:
                    errors += 1
                    return
                # The server closed a connection that sat idle past its keep-alive timeout (uvicorn: 5 s), as
                # servers may; a client sends the request again on a new one, and so does this one.
                opened += 1
                conn = await Connection.open(host, port)
                try:
                    status = await conn.request(raw)
                except (OSError, asyncio.IncompleteReadError):
                    errors += 1
                    conn.close()
                    return
            latencies.append(time.perf_counter() - scheduled)  # from the scheduled instant, not the send
            if not 200 <= status < 300:
                errors += 1
            idle.append(conn)

    total = int(rate * seconds)
    start = time.perf_counter() + 0.05
    tasks = []
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    for conn in idle:
        conn.close()
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {"sent": total, "errors": errors, "connections_opened": opened, "p50_ms": pct(0.50),
            "p99_ms": pct(0.99), "max_ms": ordered[-1] * 1000}


def main() -> None:
    base, spec = sys.argv[1], json.loads(sys.argv[2])
    url = urlparse(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    raw = build_request(host, port, spec)
    if spec["mode"] == "closed":
        result = asyncio.run(closed_loop(host, port, raw, int(spec["connections"]), float(spec["seconds"])))
    else:
        result = asyncio.run(open_loop(host, port, raw, float(spec["rate"]), float(spec["seconds"]),
                                       int(spec["connections"])))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
