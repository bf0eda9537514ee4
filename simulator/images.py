"""`/static-img/<k>.png`: small solid-colour PNGs that generated posts embed (k = 0..9999)."""

from __future__ import annotations

import colorsys
import struct
import zlib

from simulator.replies import Reply, Request, not_found

WIDTH, HEIGHT = 64, 40


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(k: int) -> bytes:
    """A WIDTH x HEIGHT RGB PNG whose hue depends on `k`."""
    r, g, b = (int(c * 255) for c in colorsys.hsv_to_rgb((k * 0.137) % 1.0, 0.45, 0.85))
    row = b"\x00" + bytes((r, g, b)) * WIDTH  # filter type 0, then pixels
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * HEIGHT))
        + _chunk(b"IEND", b"")
    )


def handle(request: Request) -> Reply:
    name = request.path.removeprefix("/static-img/")
    stem = name.removesuffix(".png")
    if not name.endswith(".png") or not stem.isdigit() or int(stem) > 9999:
        return not_found()
    headers = {"Content-Type": "image/png", "Cache-Control": "max-age=86400"}
    return Reply(200, png(int(stem)), headers, gzip=False)
