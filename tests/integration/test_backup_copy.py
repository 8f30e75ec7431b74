"""Off-site copies (issue 6): copied, checked where they land, recorded in both catalogues;
a damaged copy is caught, recorded as failed and never kept looking good."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit_log.actor import local_actor
from casedb.engine import Database
from casedb.errors import InvalidInput
from ops import backup, catalogue, copies, keys
from ops import verify as v

ACTOR = local_actor("ops.tester")


@pytest.fixture
def bkeys() -> keys.BackupKeys:
    return keys.load(create=True)


def _made(db: Database, root: Path, k: keys.BackupKeys) -> catalogue.Entry:
    made = backup.create(db, ACTOR, k, backup_class="core", root=root)
    return catalogue.read(root, k).find(made.id)


def test_a_copy_is_checked_there_and_stands_on_its_own(
    db: Database, tmp_path: Path, bkeys: keys.BackupKeys
) -> None:
    root, far = tmp_path / "bk", tmp_path / "share" / "offsite"
    entry = _made(db, root, bkeys)
    seen: list[tuple[int, int]] = []
    report = copies.copy(root, entry, bkeys, far, progress=lambda d, t: seen.append((d, t)))
    assert report.status == "ok", report.problems
    assert [p.status for p in report.parts] == ["ok"] * len(report.parts)
    assert (far / entry.id / "manifest.json").is_file()
    assert not list(far.glob("*.partial")) and seen[-1][0] == seen[-1][1] == report.bytes

    home = catalogue.read(root, bkeys).find(entry.id)
    assert [c["status"] for c in home.copies] == ["ok"]
    assert home.copies[0]["to"] == str(far.resolve())
    # the second site has its own catalogue: list, verify and restore work from it alone
    there = catalogue.read(far, bkeys)
    assert there.untrusted_lines == 0 and there.find(entry.id).backup_class == "core"
    if db.backend == "sqlite":
        assert v.verify(far, entry.id, bkeys).status == "ok"
    assert copies.check(far, entry.id, bkeys).status == "ok"

    # copying again replaces the copy and does not list it twice there
    assert copies.copy(root, entry, bkeys, far).status == "ok"
    assert len(catalogue.read(far, bkeys).live()) == 1
    assert [s.status for s in copies.latest_copies(catalogue.read(root, bkeys).find(entry.id))] == [
        "ok"
    ]


def test_a_damaged_copy_is_caught_recorded_and_not_kept(
    db: Database, tmp_path: Path, bkeys: keys.BackupKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, far = tmp_path / "bk", tmp_path / "offsite"
    entry = _made(db, root, bkeys)
    real = copies.copy_file

    def flaky(src: Path, dst: Path) -> int:  # a share that flips a byte on the way
        n = real(src, dst)
        if dst.suffix == ".jzs":
            data = bytearray(dst.read_bytes())
            data[len(data) // 2] ^= 0x40
            dst.write_bytes(bytes(data))
        return n

    monkeypatch.setattr(copies, "copy_file", flaky)
    report = copies.copy(root, entry, bkeys, far)
    assert report.status == "invalid"
    assert [p.status for p in report.parts] == ["checksum mismatch"]
    assert report.problems[0]["kind"] == "part"
    assert not (far / entry.id).exists() and not list(far.glob("*.partial"))
    assert catalogue.read(far, bkeys).live() == []
    home = catalogue.read(root, bkeys).find(entry.id)
    assert [c["status"] for c in home.copies] == ["invalid"]

    # a good copy later mends the record for that destination
    monkeypatch.setattr(copies, "copy_file", real)
    assert copies.copy(root, entry, bkeys, far).status == "ok"
    states = copies.latest_copies(catalogue.read(root, bkeys).find(entry.id))
    assert [(s.to, s.status) for s in states] == [(str(far.resolve()), "ok")]


def test_a_copy_damaged_later_is_named_by_check(
    db: Database, tmp_path: Path, bkeys: keys.BackupKeys
) -> None:
    root, far = tmp_path / "bk", tmp_path / "offsite"
    entry = _made(db, root, bkeys)
    assert copies.copy(root, entry, bkeys, far).status == "ok"
    part = next((far / entry.id).glob("*.jzs"))
    part.write_bytes(part.read_bytes()[:-5])
    report = copies.check(far, entry.id, bkeys)
    assert report.status == "invalid" and report.parts[0].status == "size invalid"
    (far / entry.id / "manifest.json").write_text("{}", "utf-8")
    assert copies.check(far, entry.id, bkeys).problems[0] == {
        "kind": "manifest",
        "reason": "unreadable",
    }


def test_refusals(db: Database, tmp_path: Path, bkeys: keys.BackupKeys) -> None:
    root = tmp_path / "bk"
    entry = _made(db, root, bkeys)
    with pytest.raises(InvalidInput) as same:
        copies.copy(root, entry, bkeys, tmp_path / "bk" / ".." / "bk")
    assert same.value.key == "err.backup_copy_same_place"
    # a source whose manifest was edited is never copied
    doc = root / entry.id / "manifest.json"
    doc.write_text(doc.read_text("utf-8").replace('"core"', '"general"', 1), "utf-8")
    with pytest.raises(InvalidInput) as bad:
        copies.copy(root, entry, bkeys, tmp_path / "far")
    assert bad.value.key == "err.backup_manifest_bad"
    assert not (tmp_path / "far").exists()


def test_an_unwritable_destination_is_a_failed_copy(
    db: Database, tmp_path: Path, bkeys: keys.BackupKeys
) -> None:
    root = tmp_path / "bk"
    entry = _made(db, root, bkeys)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", "utf-8")
    report = copies.copy(root, entry, bkeys, blocker)
    assert report.status == "invalid" and report.problems[0]["kind"] == "copy failed"
    assert catalogue.read(root, bkeys).find(entry.id).copies[0]["status"] == "invalid"


def test_cli_create_copy_to_copy_and_list(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    from tests.cli.test_cli_account import events
    from tests.cli.test_cli_backup import _sysadmin

    db = _sysadmin(cli, db_url)
    folder, far, farther = tmp_path / "bk", tmp_path / "far", tmp_path / "farther"
    res = cli("--db", db_url, "--json", "backup", "create", "--class", "core", "--to", str(folder),
              "--copy-to", str(far))  # fmt: skip
    assert res.exit_code == 0, res.stderr + res.stdout
    made = json.loads(res.stdout)["data"]
    assert [c["status"] for c in made["copies"]] == ["ok"]
    assert (far / made["id"] / "manifest.json").is_file()
    assert events(db, "backup.copy")[-1][1] == "ok"

    # an existing backup, to another place; then that place is damaged and copied to again
    again = cli("--db", db_url, "--lang", "en", "backup", "copy", "--latest", "--to",
                str(farther), "--dir", str(folder))  # fmt: skip
    assert again.exit_code == 0 and "matches the signed manifest" in again.stdout
    listed = cli("--lang", "en", "backup", "list", "--dir", str(folder))
    assert "2 sound, 0 failed" in listed.stdout and str(far.resolve()) in listed.stdout
    # the copy alone, as the second site would read it
    there = json.loads(cli("--json", "backup", "list", "--dir", str(far)).stdout)["data"]
    assert [b["id"] for b in there["backups"]] == [made["id"]] and there["untrusted_lines"] == 0

    usage = cli("--lang", "en", "backup", "copy", "--to", str(far), "--dir", str(folder))
    assert usage.exit_code == 2 and "--latest" in usage.stderr
    same = cli("--lang", "en", "backup", "copy", made["id"], "--to", str(folder),
               "--dir", str(folder))  # fmt: skip
    assert same.exit_code == 5 and "second location" in same.stderr


def test_cli_a_failed_copy_exits_5_and_is_recorded(
    cli, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import json

    from tests.cli.test_cli_account import events
    from tests.cli.test_cli_backup import _sysadmin

    db = _sysadmin(cli, db_url)
    folder, far = tmp_path / "bk", tmp_path / "far"
    real = copies.copy_file

    def cut(src: Path, dst: Path) -> int:
        n = real(src, dst)
        if dst.suffix == ".jzs":
            dst.write_bytes(dst.read_bytes()[:-3])
        return n

    monkeypatch.setattr(copies, "copy_file", cut)
    res = cli("--db", db_url, "--lang", "en", "backup", "create", "--class", "core",
              "--to", str(folder), "--copy-to", str(far))  # fmt: skip
    assert res.exit_code == 5
    assert "size invalid" in res.stdout and "recorded as failed" in res.stdout
    assert events(db, "backup.copy")[-1][1] == "failed"
    listed = json.loads(cli("--json", "backup", "list", "--dir", str(folder)).stdout)["data"]
    assert listed["backups"][0]["copies"][0]["status"] == "invalid"
    human = cli("--lang", "en", "backup", "list", "--dir", str(folder))
    assert "0 sound, 1 failed" in human.stdout and ": failed (" in human.stdout
