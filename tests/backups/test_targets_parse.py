"""TARGET strings (backups/targets.py): each kind parsed, and a target that cannot be right refused naming why —
a password in it, an unknown scheme, a relative or escaping SFTP path, a bad bucket; backup names that are paths."""

from pathlib import Path

import pytest

from sirecords.backups import archive, targets


def test_each_kind_of_target_parses(tmp_path, monkeypatch):
    local = targets.parse(str(tmp_path / "b"))
    assert isinstance(local, targets.LocalTarget) and local.folder == tmp_path / "b"
    assert targets.parse(f"file://{tmp_path}/b").folder == tmp_path / "b"
    monkeypatch.chdir(tmp_path)
    assert targets.parse("relative/b").folder == tmp_path / "relative" / "b"
    sftp = targets.parse("sftp://backup@host.example:2222/srv/sirecords/")
    assert isinstance(sftp, targets.SftpTarget)
    assert (sftp.user, sftp.host, sftp.port, sftp.root) == ("backup", "host.example", 2222, "/srv/sirecords")
    assert sftp.label == "sftp://backup@host.example:2222/srv/sirecords"
    assert targets.parse("sftp://backup@10.0.0.2/b").port == 22
    s3 = targets.parse("s3://my-bucket/site/a/")
    assert isinstance(s3, targets.S3Target) and (s3.bucket, s3.prefix, s3.label) == ("my-bucket", "site/a", "s3://my-bucket/site/a")
    bare = targets.parse("s3://my-bucket")
    assert bare.prefix == "" and bare._key("backup-x", "manifest.json") == "backup-x/manifest.json"
    assert s3._key("backup-x", "manifest.json") == "site/a/backup-x/manifest.json"


@pytest.mark.parametrize(("text", "says"), [
    ("", "an empty backup target"),
    ("sftp://backup:hunter2@host/srv", "put no password in a target"),
    ("s3://key:secret@bucket/p", "put no password in a target"),
    ("ftp://host/path", "unknown kind 'ftp'"),
    ("sftp://host/srv", "sftp://user@host[:port]/path"),
    ("sftp://backup@host", "absolute path below /"),
    ("sftp://backup@host/", "absolute path below /"),
    ("sftp://backup@host/srv/../etc", "absolute path below /"),
    ("sftp://backup@host:99999/srv", "out of range"),
    ("sftp://backup@host/srv?x=1", "no ?query or #fragment"),
    ("s3://Bad_Bucket/p", "the bucket 3-63 characters"),
    ("s3://bucket:9000/p", "the bucket 3-63 characters"),
    ("s3://bucket/a//b", "an empty, . or .. part"),
    ("s3://bucket/a/../b", "an empty, . or .. part"),
    ("file://host/path", "a folder of this machine"),
])
def test_a_target_that_cannot_be_right_is_refused_naming_why(text, says):
    with pytest.raises(targets.TargetInvalid) as refused:
        targets.parse(text)
    assert says in str(refused.value)
    assert "hunter2" not in str(refused.value) and "secret" not in str(refused.value)  # never echoed


def test_the_configured_targets_are_comma_separated_else_the_default_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SIRECORDS_BACKUP_DIR", str(tmp_path / "default"))
    monkeypatch.delenv("SIRECORDS_BACKUP_TARGETS", raising=False)
    assert [t.label for t in targets.configured()] == [str(tmp_path / "default")]
    monkeypatch.setenv("SIRECORDS_BACKUP_TARGETS", f" {tmp_path / 'a'} , s3://bucket/site,, ")
    assert [t.label for t in targets.configured()] == [str(tmp_path / "a"), "s3://bucket/site"]
    assert [t.label for t in targets.chosen(["s3://other/x"])] == ["s3://other/x"]
    monkeypatch.setenv("SIRECORDS_BACKUP_TARGETS", "gopher://x/y")
    with pytest.raises(targets.TargetInvalid, match="unknown kind 'gopher'"):
        targets.configured()


@pytest.mark.parametrize("name", ["backup-../../etc", "../backup-x", "backup-x/../../y", "backup-", "manifest.json"])
def test_a_backup_name_that_is_a_path_is_refused_before_anything_is_read(name, tmp_path):
    remote = targets.parse("s3://bucket/site")
    with pytest.raises(archive.BackupRefused, match="is not a backup's name"):
        with remote.opened(name):
            pass
    if "/" in name:
        with pytest.raises(archive.BackupRefused, match="is not a backup's name"):
            with targets.LocalTarget(tmp_path).opened(name):
                pass


def test_the_blobs_read_from_a_downloaded_manifest_are_only_blob_names(tmp_path):
    manifest = Path(tmp_path / "manifest.json")
    manifest.write_text('{"body": {"files": [{"blob": "files/000001"}, {"blob": "../../etc/passwd"}, '
                        '{"blob": "files/000002/../../x"}, {"blob": 3}, {}]}}')
    assert targets._blobs(manifest) == ["files/000001"]
    manifest.write_text("not json")
    assert targets._blobs(manifest) == []
