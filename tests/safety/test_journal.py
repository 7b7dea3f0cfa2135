"""The before-image journal: write-ahead lines, compressed frames, repair after a crash."""

from __future__ import annotations

from s3bo_cli.safety import journal as jl
from s3bo_cli.safety.journal import FramedReader, Journal, write_framed


def test_records_come_back_in_order_across_frames(tmp_path, monkeypatch):
    monkeypatch.setattr(jl, "FRAME_BYTES", 200)
    with Journal(tmp_path, "j") as journal:
        for i in range(50):
            journal.append({"i": i, "s": {"n": str(i)}})
        assert journal.z_path.exists()  # compacted while it ran
    assert journal.wal_path.stat().st_size == 0  # at rest: an empty WAL
    assert [r["i"] for r in Journal(tmp_path, "j").records()] == list(range(50))


def test_a_line_and_a_frame_cut_by_a_crash_are_dropped_when_reopened(tmp_path):
    with Journal(tmp_path, "j") as journal:
        journal.append({"i": 0})
    z = tmp_path / "j.z"
    whole = z.stat().st_size
    with z.open("ab") as fh:
        fh.write(jl.frame(b'{"i":1}\n')[:-3])  # a frame cut short
    (tmp_path / "j.wal").write_bytes(b'{"i":2}\n{"i":3')  # a line cut short
    journal = Journal(tmp_path, "j").open()
    assert z.stat().st_size == whole
    assert (tmp_path / "j.wal").read_bytes() == b'{"i":2}\n'
    journal.append({"i": 4})
    journal.close()
    assert [r["i"] for r in Journal(tmp_path, "j").records()] == [0, 2, 4]


def test_a_crash_between_frame_and_truncate_repeats_records_which_readers_see_twice(tmp_path):
    with Journal(tmp_path, "j") as journal:
        journal.append({"i": 0})
    (tmp_path / "j.wal").write_bytes(b'{"i":0}\n')  # the WAL the frame was made from
    assert [r["i"] for r in Journal(tmp_path, "j").records()] == [0, 0]


def test_framed_files_give_any_record_by_number(tmp_path):
    path = tmp_path / "p.plan"
    assert write_framed(path, ({"n": i} for i in range(1300))) == 1300
    reader = FramedReader(path)
    assert reader.count == 1300
    assert [reader.get(i)["n"] for i in (0, 511, 512, 1299, 3)] == [0, 511, 512, 1299, 3]
    assert [r["n"] for r in reader] == list(range(1300))
