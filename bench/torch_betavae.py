"""The paper's β-VAE in PyTorch, as the benchmarks compare it with flow's (imported by the
scripts that run in bench/.venv, where torch is installed).

1 × 64 × 64 input; encoder Conv2d 1→32→32→64→64 (4 × 4, stride 2, padding 1, ReLU after each),
flatten (1,024), Linear 1,024→256 + ReLU, Linear 256→2N (means, then log-variances); decoder
Linear N→256 + ReLU, Linear 256→1,024 + ReLU, reshape to 64 × 4 × 4, ConvTranspose2d
64→64→32→32→1 (4 × 4, stride 2, padding 1, ReLU between, none after the last: pixel logits).
"""
from torch import nn


class BetaVae(nn.Module):
    def __init__(self, latents: int):
        super().__init__()
        conv = lambda i, o: nn.Conv2d(i, o, 4, stride=2, padding=1)  # noqa: E731
        deconv = lambda i, o: nn.ConvTranspose2d(i, o, 4, stride=2, padding=1)  # noqa: E731
        self.latents = latents
        self.encoder = nn.Sequential(
            conv(1, 32), nn.ReLU(), conv(32, 32), nn.ReLU(), conv(32, 64), nn.ReLU(), conv(64, 64), nn.ReLU(),
            nn.Flatten(), nn.Linear(1024, 256), nn.ReLU(), nn.Linear(256, 2 * latents),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latents, 256), nn.ReLU(), nn.Linear(256, 1024), nn.ReLU(), nn.Unflatten(1, (64, 4, 4)),
            deconv(64, 64), nn.ReLU(), deconv(64, 32), nn.ReLU(), deconv(32, 32), nn.ReLU(), deconv(32, 1),
        )

    def encode(self, x):
        """Latent means and log-variances."""
        h = self.encoder(x)
        return h[:, :self.latents], h[:, self.latents:]
