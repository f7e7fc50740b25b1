"""Reference fc7 activations for flow's `vgg-face`, from an independent NumPy forward pass.

    python3 bench/vgg_reference.py    # writes stages/tests/data/vgg/{tiny.safetensors,reference.json}

A tiny network of VGG-16's layer plan (13 3 × 3 convolutions in blocks of 2-2-3-3-3, each block
max-pooled, then fc6 and fc7; widths 4-4-8-8-…, fc6 16, fc7 12, for 64 × 64 inputs, so pool5 is 2 × 2 and its flattening order matters) with weights
given by a formula, written by scripts/vgg_face_weights.py's writer (so the test also reads that
writer's files). Three 64 × 64 noise images go through the published preprocessing
(× 255, replicated to RGB, VGG-Face's mean colour subtracted) and the network, computed here in
float64 with PyTorch's conventions written out by hand: cross-correlation, zero padding 1,
floor-mode 2 × 2 max-pools, channel-major flattening, `y = x Wᵀ + b`. stages/tests/vgg_face.rs
compares flow's burn forward pass with these numbers. Needs only NumPy (bench/.venv).
"""

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import REPO, ensure_venv  # noqa: E402

ensure_venv(["numpy"], ["numpy"])

import numpy as np  # noqa: E402

sys.path.insert(0, str(REPO / "scripts"))
from vgg_face_weights import CONV_LAYERS, write_safetensors  # noqa: E402

WIDTHS = [4, 4, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8]
FC6, FC7, SIZE = 16, 12, 64
MEAN = [129.186279296875, 104.76238250732422, 93.59396362304688]
BLOCK_ENDS = {1, 3, 6, 9, 12}


RNG = np.random.default_rng(20211)


def weights() -> dict:
    """He-scaled Gaussian weights (the first layer also scaled for 0–255 inputs), small biases:
    the images, not the biases, decide the activations."""
    tensors = {}
    channels = 3
    for k, (name, out) in enumerate(zip(CONV_LAYERS, WIDTHS)):
        scale = math.sqrt(2.0 / (9 * channels)) / (255.0 if k == 0 else 1.0)
        tensors[f"{name}.weight"] = RNG.normal(0.0, scale, (out, channels, 3, 3))
        tensors[f"{name}.bias"] = RNG.normal(0.0, 0.01, out)
        channels = out
    flat = channels * (SIZE // 32) ** 2
    tensors["fc6.weight"] = RNG.normal(0.0, math.sqrt(2.0 / flat), (FC6, flat))
    tensors["fc6.bias"] = RNG.normal(0.0, 0.01, FC6)
    tensors["fc7.weight"] = RNG.normal(0.0, math.sqrt(2.0 / FC6), (FC7, FC6))
    tensors["fc7.bias"] = RNG.normal(0.0, 0.01, FC7)
    return {k: v.astype(np.float32) for k, v in tensors.items()}


def images() -> np.ndarray:
    """Three images of uniform noise in [0, 1]."""
    return RNG.uniform(0.0, 1.0, (3, SIZE, SIZE)).astype(np.float32)


def conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    n, c, h, wd = x.shape
    padded = np.zeros((n, c, h + 2, wd + 2))
    padded[:, :, 1:-1, 1:-1] = x
    out = np.zeros((n, w.shape[0], h, wd))
    for dy in range(3):
        for dx in range(3):
            window = padded[:, :, dy:dy + h, dx:dx + wd]
            out += np.einsum("nchw,oc->nohw", window, w[:, :, dy, dx].astype(np.float64))
    return out + b.astype(np.float64)[None, :, None, None]


def maxpool(x: np.ndarray) -> np.ndarray:
    n, c, h, w = x.shape
    return x[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def forward(t: dict, imgs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.stack([imgs.astype(np.float64) * 255.0 - m for m in MEAN], axis=1)
    for k, name in enumerate(CONV_LAYERS):
        x = np.maximum(conv3x3(x, t[f"{name}.weight"], t[f"{name}.bias"]), 0.0)
        if k in BLOCK_ENDS:
            x = maxpool(x)
    x = x.reshape(x.shape[0], -1)
    x = np.maximum(x @ t["fc6.weight"].astype(np.float64).T + t["fc6.bias"], 0.0)
    pre = x @ t["fc7.weight"].astype(np.float64).T + t["fc7.bias"]
    return pre, np.maximum(pre, 0.0)


def main() -> None:
    out = REPO / "stages" / "tests" / "data" / "vgg"
    out.mkdir(parents=True, exist_ok=True)
    t = weights()
    write_safetensors(out / "tiny.safetensors", t, "flow bench/vgg_reference.py")
    imgs = images()
    pre, post = forward(t, imgs)
    reference = {
        "generator": "bench/vgg_reference.py (NumPy float64 forward pass)",
        "size": SIZE,
        "images": imgs.reshape(3, -1).astype(float).tolist(),
        "fc7_relu": post.tolist(),
        "fc7_pre": pre.tolist(),
    }
    (out / "reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    print(f"fc7 (relu) row 0: {np.round(post[0], 4)}")
    print(f"positive fraction: {(pre > 0).mean():.2f}")
    # The test is only as sharp as the images' effect on fc7: report it.
    print(f"fc7 spread across images / magnitude: {pre.std(0).mean() / np.abs(pre).mean():.2f}")


if __name__ == "__main__":
    main()
