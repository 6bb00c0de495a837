"""The supervisor's witness can check our checkpoints with tools of its own (issue #13 point 6).

`sirecords checkpoint --verifier-key` prints the public key in the signed-note format; a witness copy, as written to
the witness folder, is checked with that key by golang.org/x/mod/sumdb/note — the format's reference implementation —
in a tiny Go program (tests/ledger/go/notecheck), built offline from Debian's packaged source. Skipped, with the
reason, where Go or the package is absent (.ci/go-deps installs them in CI).
"""

import base64
import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command

from sirecords.core.identifiers import make_uscc
from sirecords.crypto.keys import active_keys
from sirecords.ledger import note
from sirecords.ledger.checkpoints import create_checkpoint, origin

from ..conftest import post_entries, test_context

GOPATH = Path("/usr/share/gocode")  # where Debian's golang-golang-x-mod-dev puts the source
NOTE_PACKAGE = GOPATH / "src/golang.org/x/mod/sumdb/note/note.go"
PROGRAM = Path(__file__).parent / "go" / "notecheck" / "main.go"


def _printed_verifier_key() -> str:
    out = io.StringIO()
    call_command("checkpoint", "--verifier-key", stdout=out)
    return out.getvalue().strip()


def test_verifier_key_printed_in_signed_note_format():
    vkey = _printed_verifier_key()
    name, key_hash, key_b64 = vkey.split("+", 2)
    public = active_keys().public_key.public_bytes_raw()
    assert name == origin()
    assert base64.b64decode(key_b64) == b"\x01" + public  # Ed25519 alg byte, then the 32-byte key
    assert key_hash == hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4].hex()
    assert len(key_hash) == 8


@pytest.fixture(scope="module")
def notecheck(tmp_path_factory) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("Go is not installed (apt-get install golang-go; .ci/go-deps does it in CI)")
    if not NOTE_PACKAGE.exists():
        pytest.skip(f"{NOTE_PACKAGE} is absent (apt-get install golang-golang-x-mod-dev; .ci/go-deps does it in CI)")
    out = tmp_path_factory.mktemp("go")
    binary = out / "notecheck"
    # GOPATH mode, no modules: Debian's packaged source only, no network.
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": str(GOPATH), "GOCACHE": str(out / "cache"),
           "GOFLAGS": "", "GOPROXY": "off", "CGO_ENABLED": "0"}
    subprocess.run([go, "build", "-o", str(binary), str(PROGRAM)], check=True, env=env, cwd=out,
                   capture_output=True, timeout=300)
    return binary


def _go_check(binary: Path, vkey: str, copy: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), vkey, str(copy)], capture_output=True, text=True, timeout=60)


def test_witness_copy_verifies_with_the_reference_implementation(notecheck, db, tmp_path):
    post_entries("register_employer", {"uscc": make_uscc("9", "1", "440300", "MA5T0601"), "name": "见证公司",
                                       "region": "440305"})
    signed = create_checkpoint(test_context(), tmp_path / "witness")
    copy = signed.witness_copy
    assert copy.parent == tmp_path / "witness" and copy.exists()
    text = note.note_text(copy.read_text(encoding="utf-8"))
    size = signed.checkpoint.size
    assert text.startswith(f"{origin()}\n{size}\n{base64.b64encode(bytes.fromhex(signed.checkpoint.root)).decode()}\n")

    vkey = _printed_verifier_key()
    result = _go_check(notecheck, vkey, copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout == text  # the text Go verified is the checkpoint, extension lines included

    # One changed byte in the signed text: refused.
    tampered = tmp_path / "tampered.txt"
    tampered.write_text(copy.read_text(encoding="utf-8").replace(f"\n{size}\n", f"\n{size + 1}\n", 1), encoding="utf-8")
    refused = _go_check(notecheck, vkey, tampered)
    assert refused.returncode == 1 and "does not verify" in refused.stderr

    # Another key of the same name: refused (no signature by it).
    other = note.verifier_key(origin(), Ed25519PrivateKey.generate().public_key())
    assert _go_check(notecheck, other, copy).returncode == 1
