"""Shared plumbing for the example scripts: arguments, output folder, figure saving."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")


def parse_args(description: str, argv=None, default_out: str = "out/examples") -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="tiny settings (used by the tests)")
    parser.add_argument("--out", default=default_out, help=f"folder for the figures (default {default_out})")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.out = Path(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def save(fig, out: Path, name: str) -> Path:
    import matplotlib.pyplot as plt

    path = out / name
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path
