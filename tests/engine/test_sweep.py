"""Report folders older versions left in the system temp directory: swept, but only ours."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from s3bo_cli.engine.sweep import sweep

AN_HOUR_AGO = time.time() - 3600


def report_folder(parent: Path, name: str, *files: str, old: bool = True) -> Path:
    folder = parent / name
    folder.mkdir()
    for file in files:
        (folder / file).write_text("photos,a.jpg,,succeeded,200,,Successful\n")
    if old:
        for path in [*folder.iterdir(), folder]:
            os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))
    return folder


def test_only_our_old_unused_report_folders_are_removed(tmp_path, state_dir):
    temp = tmp_path / "system-tmp"
    temp.mkdir()
    dead = report_folder(temp, "s3bo-report-k1x2_9ab", "succeeded.csv", "failed.csv")
    empty = report_folder(temp, "s3bo-report-00000000")
    fresh = report_folder(temp, "s3bo-report-abcdefgh", "succeeded.csv", old=False)
    held = report_folder(temp, "s3bo-report-held0000", "failed.csv")
    foreign = report_folder(temp, "s3bo-report-notes000", "succeeded.csv", "notes.txt")
    other_name = report_folder(temp, "s3bo-report-of-someone", "succeeded.csv")
    target = report_folder(tmp_path, "elsewhere", "succeeded.csv")
    link = temp / "s3bo-report-linked00"
    link.symlink_to(target)
    kept = [fresh, held, foreign, other_name, link]
    if os.getuid() == 0:  # another user's folder, even if it looks like ours
        theirs = report_folder(temp, "s3bo-report-theirs00", "succeeded.csv")
        os.chown(theirs, 65534, 65534)
        kept.append(theirs)

    with (held / "failed.csv").open("rb"):
        assert sweep(state_dir, temp_dir=temp) == 2

    assert not dead.exists() and not empty.exists()
    assert [path for path in kept if not path.exists()] == []
    assert (target / "succeeded.csv").exists()


def test_the_worker_sweeps_the_system_temp_directory_at_start(tmp_path, state_dir):
    temp = tmp_path / "system-tmp"
    temp.mkdir()
    dead = report_folder(temp, "s3bo-report-k1x2_9ab", "succeeded.csv")
    fresh = report_folder(temp, "s3bo-report-abcdefgh", "succeeded.csv", old=False)
    env = {**os.environ, "TMPDIR": str(temp), "S3BO_STATE_DIR": str(state_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "s3bo_cli", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert not dead.exists()
    assert fresh.exists()
