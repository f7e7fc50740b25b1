#!/usr/bin/env python3
"""Convert published VGG-Face weights to the safetensors file flow's `vgg-face` stage reads.

flow cannot ship or download VGG-Face (Parkhi, Vedaldi & Zisserman 2015); get the weights once:

  * the PyTorch port `vgg_face_dag.pth` (Samuel Albanie's converted models,
    https://www.robots.ox.ac.uk/~albanie/pytorch-models.html), or
  * the original release (Caffe / MatConvNet, https://www.robots.ox.ac.uk/~vgg/software/vgg_face/),
    exported to a NumPy `.npz` with one array per tensor (any converter will do).

Then

    python3 scripts/vgg_face_weights.py vgg_face_dag.pth vgg_face.safetensors

and point the pipeline at it: `params.weights = "vgg_face.safetensors"`.

Accepted tensor names: the PyTorch port's (`conv1_1.weight` … `conv5_3.bias`, `fc6.weight`,
`fc7.weight`, `fc8.weight`, …) or torchvision's VGG-16 (`features.0.weight` …,
`classifier.0.weight` …), which are renamed. Layouts are PyTorch's: convolutions
`[out, in, 3, 3]`, fully connected layers `[out, in]`. A Caffe/MatConvNet export whose fc6 is a
7 × 7 convolution (`[4096, 512, 7, 7]`) is reshaped to `[4096, 25088]`, the same numbers in
PyTorch's channel-major flattening. Everything is written as float32. Reading `.pth` needs
PyTorch; `.npz` needs only NumPy.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np

CONV_LAYERS = [
    "conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
    "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3",
]
# torchvision's VGG-16: the indices of the convolutions in `features`, of the linear layers in
# `classifier`.
TORCHVISION_FEATURES = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
TORCHVISION_CLASSIFIER = {0: "fc6", 3: "fc7", 6: "fc8"}


def flow_name(name: str) -> str:
    """The tensor's name in flow's file."""
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "features":
        index = int(parts[1])
        if index in TORCHVISION_FEATURES:
            return f"{CONV_LAYERS[TORCHVISION_FEATURES.index(index)]}.{parts[2]}"
    if len(parts) == 3 and parts[0] == "classifier" and int(parts[1]) in TORCHVISION_CLASSIFIER:
        return f"{TORCHVISION_CLASSIFIER[int(parts[1])]}.{parts[2]}"
    return name


def read_weights(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a `.pth` state dict or an `.npz` archive, as NumPy arrays."""
    if path.suffix == ".npz":
        with np.load(path) as archive:
            return {k: np.asarray(archive[k]) for k in archive.files}
    try:
        import torch
    except ImportError:
        sys.exit(f"{path}: reading a .pth file needs PyTorch (pip install torch), "
                 "or export the weights to .npz")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if hasattr(state, "state_dict"):
        state = state.state_dict()
    return {k: v.detach().to(torch.float32).numpy() for k, v in state.items()}


def to_flow(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Renamed, float32, fc6 flattened when it is stored as a convolution."""
    out = {}
    for name, value in tensors.items():
        name = flow_name(name)
        value = np.ascontiguousarray(value, dtype="<f4")
        if name in ("fc6.weight", "fc7.weight", "fc8.weight") and value.ndim == 4:
            value = value.reshape(value.shape[0], -1)
        if name.endswith(".bias"):
            value = value.reshape(-1)
        out[name] = value
    missing = [f"{layer}.{p}" for layer in CONV_LAYERS + ["fc6", "fc7"]
               for p in ("weight", "bias") if f"{layer}.{p}" not in out]
    if missing:
        sys.exit(f"these tensors are missing: {', '.join(missing)} "
                 f"(found: {', '.join(sorted(out)[:20])})")
    return out


def write_safetensors(path: Path, tensors: dict[str, np.ndarray], producer: str) -> None:
    """The safetensors format: an 8-byte little-endian header length, a JSON header naming each
    tensor's dtype, shape and byte range, then the raw little-endian bytes; names sorted."""
    header: dict[str, object] = {"__metadata__": {"producer": producer}}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # align the data to 8 bytes
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)
    tmp.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="vgg_face_dag.pth, or an .npz of the tensors")
    parser.add_argument("target", type=Path, help="the safetensors file to write")
    args = parser.parse_args()
    tensors = to_flow(read_weights(args.source))
    write_safetensors(args.target, tensors, "flow scripts/vgg_face_weights.py")
    for layer in CONV_LAYERS + ["fc6", "fc7"]:
        print(f"{layer:8} {list(tensors[layer + '.weight'].shape)}")
    print(f"wrote {args.target} ({len(tensors)} tensors)")


if __name__ == "__main__":
    main()
