#!/usr/bin/env python3
"""Writes a small example of a lab's own data, in the layout pipelines/own-data.toml reads:

    OUT/images/img00.png … img39.png   40 grayscale faces, 32 × 32 (a bright disc: position, size, brightness)
    OUT/responses.csv                  image_id + 12 neurons, for 36 of the images (4 are seen by the models only)
    OUT/landmarks.csv                  image_id + 8 (x, y) points on the disc's rim, every image
    OUT/activations.csv                image_id + 20 units of a "network" (random mixtures of the 3 factors)

    python3 scripts/own_data_example.py --out pipelines/own-data   # what the repository ships

Standard library only; the same bytes on every run. It is a stand-in to try the template on and
what tests/own_data.rs runs: replace the files with your own.
"""
from __future__ import annotations

import argparse
import math
import struct
import zlib
from pathlib import Path

IMAGES, WITH_RESPONSES, NEURONS, LANDMARKS, UNITS, SIZE = 40, 36, 12, 8, 20, 32


class Lcg:
    """A tiny deterministic generator (the data need to vary, not to be random)."""

    def __init__(self, seed: int) -> None:
        self.state = seed

    def next(self) -> float:
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (self.state >> 11) / float(1 << 53)


def png(path: Path, pixels: list[list[int]]) -> None:
    """An 8-bit grayscale PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    h, w = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    out = ap.parse_args().out
    (out / "images").mkdir(parents=True, exist_ok=True)
    rng = Lcg(7)
    faces = []
    for i in range(IMAGES):
        f = [rng.next(), rng.next(), rng.next()]
        cx, r, b = 10.0 + 12.0 * f[0], 4.0 + 6.0 * f[1], 0.4 + 0.6 * f[2]
        pixels = [[int(255 * (b if math.hypot(x - cx, y - 16.0) < r else 0.15 + 0.1 * y / SIZE))
                   for x in range(SIZE)] for y in range(SIZE)]
        png(out / "images" / f"img{i:02}.png", pixels)
        faces.append((f, cx, r))

    lines = ["image_id," + ",".join(f"n{j:02}" for j in range(NEURONS))]
    for i, (f, _, _) in enumerate(faces[:WITH_RESPONSES]):
        lines.append(f"img{i:02}," + ",".join(f"{2.0 + 10.0 * f[j % 3] + rng.next():.4f}"
                                               for j in range(NEURONS)))
    (out / "responses.csv").write_text("\n".join(lines) + "\n")

    lines = ["image_id," + ",".join(f"x{k:02},y{k:02}" for k in range(LANDMARKS))]
    for i, (_, cx, r) in enumerate(faces):
        points = []
        for k in range(LANDMARKS):
            a = k / LANDMARKS * 2 * math.pi
            points.append(f"{cx + r * math.cos(a):.3f},{16.0 + r * math.sin(a):.3f}")
        lines.append(f"img{i:02}," + ",".join(points))
    (out / "landmarks.csv").write_text("\n".join(lines) + "\n")

    weights = [[rng.next() - 0.5 for _ in range(3)] for _ in range(UNITS)]
    lines = ["image_id," + ",".join(f"u{u:02}" for u in range(UNITS))]
    for i, (f, _, _) in enumerate(faces):
        lines.append(f"img{i:02}," + ",".join(
            f"{w[0] * f[0] + w[1] * f[1] + w[2] * f[2] + 0.05 * rng.next():.5f}" for w in weights))
    (out / "activations.csv").write_text("\n".join(lines) + "\n")
    print(f"wrote {IMAGES} images and 3 tables to {out}")


if __name__ == "__main__":
    main()
