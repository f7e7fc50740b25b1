"""flow's trained β-VAE weights (`model.safetensors`, written by burn) as the PyTorch encoder of
torch_betavae.py, for the cross-checks that run in bench/.venv.

The file is read with numpy alone (safetensors: an 8-byte little-endian header length, a JSON
header of name → dtype, shape, byte offsets, then the raw little-endian data). flow keeps
PyTorch's layouts for convolutions ([out, in, k, k]) and burn's for linear layers ([in, out]),
so the linear weights are transposed here.
"""
import json
import struct
from pathlib import Path

import numpy as np
import torch

from torch_betavae import BetaVae


def read_safetensors(path: Path) -> dict:
    data = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", f"{name}: {t['dtype']}"
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(body[a:b], dtype="<f4").reshape(t["shape"]).copy()
    return out


def load_encoder(path: Path, latents: int) -> torch.nn.Module:
    """The encoder of flow's model at `path` (a `Sequential` giving means then log-variances, or
    the codes): torch_betavae.py's, with the fully connected input sized for the image size the
    weights were trained on (1,024 at 64 × 64)."""
    w = read_safetensors(path)
    model = BetaVae(latents)
    enc = model.encoder
    flat, hidden = w["encoder.hidden.weight"].shape
    outputs = w["encoder.out.weight"].shape[1]
    enc[9] = torch.nn.Linear(flat, hidden)
    enc[11] = torch.nn.Linear(hidden, outputs)
    convs = [enc[0], enc[2], enc[4], enc[6]]
    with torch.no_grad():
        for i, conv in enumerate(convs):
            conv.weight.copy_(torch.from_numpy(w[f"encoder.convs.{i}.weight"]))
            conv.bias.copy_(torch.from_numpy(w[f"encoder.convs.{i}.bias"]))
        for layer, name in [(enc[9], "hidden"), (enc[11], "out")]:
            layer.weight.copy_(torch.from_numpy(w[f"encoder.{name}.weight"].T.copy()))
            layer.bias.copy_(torch.from_numpy(w[f"encoder.{name}.bias"]))
    return enc.eval()
