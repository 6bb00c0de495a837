"""The files in deploy/ are sound: nginx and systemd accept them (where the tools exist; .ci/deploy-deps installs
them), gunicorn knows every setting, the body limit matches the application's, and logs are kept 184 days or more
(网络安全法 第二十一条)."""

import datetime
import re
import runpy
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SIX_MONTHS_DAYS = 184
MIB = 1024 * 1024


def test_systemd_accepts_the_units_and_timers(tmp_path):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (.ci/deploy-deps installs it)")
    # The units name the installed virtualenv; point them at this one so their commands exist.
    for unit in (DEPLOY / "systemd").iterdir():
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/sirecords/.venv/bin", str(Path(sys.executable).parent)))
    units = sorted(str(p) for p in tmp_path.iterdir())
    done = subprocess.run([tool, "verify", "--man=no", *units], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ignoring" not in done.stderr and "Unknown" not in done.stderr, done.stderr


def test_the_server_gets_the_sockets_nginx_and_prometheus_use():
    socket = (DEPLOY / "systemd" / "sirecords.socket").read_text()
    site = (DEPLOY / "nginx" / "sirecords.conf").read_text()
    assert "ListenStream=/run/sirecords.sock" in socket and "server unix:/run/sirecords.sock " in site
    assert "ListenStream=127.0.0.1:8001" in socket and "SocketUser=www-data" in socket
    assert "Requires=sirecords.socket" in (DEPLOY / "systemd" / "sirecords.service").read_text()


def test_every_timer_starts_a_job_of_its_own_name():
    timers = sorted(p.stem for p in (DEPLOY / "systemd").glob("*.timer"))
    assert timers == ["sirecords-backup", "sirecords-backup-drill", "sirecords-backup-full", "sirecords-backup-verify",
                      "sirecords-checkpoint", "sirecords-verify", "sirecords-verify-full"]
    for name in timers:
        service = (DEPLOY / "systemd" / f"{name}.service").read_text()
        assert "Type=oneshot" in service and "OnFailure=sirecords-alert@%n.service" in service
        # Once, on the primary (docs/operations.md, "High availability": scheduled jobs).
        [start] = [line for line in service.splitlines() if line.startswith("ExecStart=")]
        assert " --if-primary" in start, name


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "records.example.gov.cn")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    chain, private = folder / "fullchain.pem", folder / "privkey.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return chain, private


def test_nginx_accepts_the_site(tmp_path):
    tool = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if tool is None:
        pytest.skip("nginx is not installed (.ci/deploy-deps installs it)")
    chain, private = _self_signed(tmp_path)
    site = ((DEPLOY / "nginx" / "sirecords.conf").read_text()
            .replace("/etc/ssl/sirecords/fullchain.pem", str(chain)).replace("/etc/ssl/sirecords/privkey.pem", str(private))
            .replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log {tmp_path}/access.log;\n"
        f"    client_body_temp_path {tmp_path}/body;\n    proxy_temp_path {tmp_path}/proxy;\n"
        f"    fastcgi_temp_path {tmp_path}/fcgi;\n    uwsgi_temp_path {tmp_path}/uwsgi;\n    scgi_temp_path {tmp_path}/scgi;\n"
        f"    include {DEPLOY}/nginx/sirecords-log-format.conf;\n    include {tmp_path}/site.conf;\n}}\n")
    done = subprocess.run([tool, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr


def test_the_proxy_body_limit_is_the_applications_with_a_little_room():
    site = (DEPLOY / "nginx" / "sirecords.conf").read_text()
    limit = int(re.search(r"client_max_body_size (\d+)m;", site).group(1)) * MIB
    application = settings.SIRECORDS_MAX_ATTACHMENT_BYTES + settings.SIRECORDS_UPLOAD_FORM_ROOM  # 11 MiB by default
    assert application <= limit <= application + 2 * MIB


def test_nginx_never_serves_metrics_and_sends_hsts():
    site = (DEPLOY / "nginx" / "sirecords.conf").read_text()
    assert re.search(r"location = /metrics \{\s*return 404;", site)
    assert 'Strict-Transport-Security "max-age=31536000; includeSubDomains" always' in site
    assert re.search(r"ssl_protocols TLSv1\.2 TLSv1\.3;", site)


def test_gunicorn_knows_every_setting_of_the_config(monkeypatch):
    from gunicorn.config import Config

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp/unused")
    values = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config = Config()
    names = [k for k, v in values.items() if not k.startswith("_") and not isinstance(v, types.ModuleType)]
    for name in names:
        assert name in config.settings, f"gunicorn has no setting {name!r}"
        config.set(name, values[name])  # validates the value's type, and a hook's number of arguments
    assert config.bind == ["unix:/run/sirecords.sock", "127.0.0.1:8001"]
    assert {"on_starting", "child_exit", "accesslog", "forwarded_allow_ips"} <= set(names)


def _days(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)\s*(day|d|month|year|y|week|w)", value.strip()).groups()
    return int(number) * {"day": 1, "d": 1, "week": 7, "w": 7, "month": 30.44, "year": 365.25, "y": 365.25}[unit]


def test_logs_are_kept_at_least_184_days():
    journald = (DEPLOY / "journald" / "sirecords-retention.conf").read_text()
    assert "Storage=persistent" in journald
    assert _days(re.search(r"^MaxRetentionSec=(.+)$", journald, re.M).group(1)) >= SIX_MONTHS_DAYS
    blocks = re.findall(r"\{(.*?)\}", (DEPLOY / "logrotate" / "sirecords").read_text(), re.S)
    assert len(blocks) == 2
    for block in blocks:
        assert re.search(r"^\s*daily$", block, re.M)
        assert int(re.search(r"^\s*rotate (\d+)$", block, re.M).group(1)) >= SIX_MONTHS_DAYS
        assert int(re.search(r"^\s*maxage (\d+)$", block, re.M).group(1)) >= SIX_MONTHS_DAYS
