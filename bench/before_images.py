"""Before-images: what they cost a tagging job on the DirStore.

The same S3PutObjectTagging job over N objects (each already carrying a small tag
set, which is what gets recorded), run with before-images (the default) and with
``--no-before-images``, alternately, each in a fresh state directory over the same
objects. Prints tasks/s of each (best of the rounds), their ratio, and the bytes on
disk per task of ``before-images.z``. Target: at most 15 % slower, under 64 bytes
per task.

    python bench/before_images.py [--objects 20000] [--concurrency 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from _jobs import run_tagging_job

MAX_SLOWDOWN = 0.15
MAX_BYTES = 64


def run(root: Path, store_dir: Path, manifest: bytes, *, images: bool, n: int, threads: int):
    from s3bo_cli.config import Settings

    state = root / f"state-{n}-{'with' if images else 'without'}"
    settings = Settings(state_dir=state, store_dir=store_dir)
    seconds = run_tagging_job(
        settings, manifest, concurrency=threads, report=False, before_images=images
    )
    on_disk = sum(p.stat().st_size for p in state.rglob("before-images.*"))
    return seconds, on_disk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    os.environ["S3BO_NO_AUTOSTART"] = "1"
    with tempfile.TemporaryDirectory(prefix="s3bo-bench-", dir=os.environ.get("TMPDIR")) as tmp:
        root = Path(tmp)
        store_dir = root / "buckets"
        data = store_dir / "data"
        data.mkdir(parents=True)
        for i in range(args.objects):  # dropped in as plain files, as a user would
            (data / f"obj-{i:06d}").write_bytes(b"x")
        manifest = "".join(f"data,obj-{i:06d}\n" for i in range(args.objects)).encode()
        kw = {"n": 0, "threads": args.concurrency}
        run(root, store_dir, manifest, images=True, **kw)  # tag sets, and ETags remembered
        best = {True: float("inf"), False: float("inf")}
        on_disk = 0
        for n in range(1, args.rounds + 1):
            for images in (False, True):
                seconds, size = run(root, store_dir, manifest, images=images, **{**kw, "n": n})
                best[images] = min(best[images], seconds)
                on_disk = size if images else on_disk
    rate = {k: args.objects / v for k, v in best.items()}
    slowdown = 1 - rate[True] / rate[False]
    per_task = on_disk / args.objects
    print(f"objects:                  {args.objects} (concurrency {args.concurrency})")
    print(f"without before-images:    {rate[False]:8.0f} tasks/s")
    print(f"with before-images:       {rate[True]:8.0f} tasks/s")
    verdict = "meets" if slowdown <= MAX_SLOWDOWN else "misses"
    print(f"ratio with/without:       {rate[True] / rate[False]:.2f} ({verdict} <= 15% slower)")
    verdict = "meets" if per_task < MAX_BYTES else "misses"
    print(f"bytes on disk per task:   {per_task:.1f} ({verdict} < {MAX_BYTES})")


if __name__ == "__main__":
    main()
