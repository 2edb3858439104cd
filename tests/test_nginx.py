"""The nginx site in docker/nginx/, run by the real nginx binary on 127.0.0.1.

Each test starts nginx (``daemon off`` in a subprocess) with a runtime
nginx.conf in a temporary folder that includes the site config, its root and
auth folder pointed at temporary copies, and stops it at the end.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SITE_CONFIG = PROJECT_ROOT / "docker" / "nginx" / "tafiti.conf"
AUTH_EXAMPLE = PROJECT_ROOT / "docker" / "nginx" / "auth" / "auth.conf.example"
IN_CI = bool(os.environ.get("CI"))

# Hand-written pages, large enough for gzip (the site compresses from 1 KB on).
GROUP_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Duka Bora C5</title>"
    "<style>body { font-family: sans-serif; }</style></head><body>"
    + "<p>Messages per week: 12, 40, 33, 51</p>\n" * 60
    + "</body></html>"
)
INDEX_PAGE = (
    "<!doctype html><html><body><a href='groups/duka-bora-c5/'>Duka Bora C5</a></body></html>"
)


def _nginx_binary() -> str:
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )
    if binary is None:
        message = "nginx is not installed (tests/setup_system.sh installs the Debian package)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return binary


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Site:
    port: int
    reports: Path
    auth: Path
    runtime: Path

    def get(self, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        """Send ``path`` unchanged (no client-side normalisation) and read the response."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        connection.close()
        return response


def _write_reports(reports: Path, outside: Path) -> None:
    (reports / "groups" / "duka-bora-c5").mkdir(parents=True)
    (reports / "groups" / "no-index").mkdir()
    (reports / "index.html").write_text(INDEX_PAGE, encoding="utf-8")
    (reports / "groups" / "duka-bora-c5" / "index.html").write_text(GROUP_PAGE, encoding="utf-8")
    (reports / "groups" / "no-index" / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    (reports / ".render-state.json").write_text('{"duka-bora-c5": "abc"}', encoding="utf-8")
    (outside / "secret.txt").write_text("outside the reports folder", encoding="utf-8")
    (reports / "groups" / "leak.html").symlink_to(outside / "secret.txt")


def _runtime_config(runtime: Path, port: int, reports: Path, auth: Path) -> Path:
    site = SITE_CONFIG.read_text(encoding="utf-8")
    site = site.replace("root /srv/reports;", f"root {reports};")
    site = site.replace("/etc/nginx/tafiti-auth/", f"{auth}/")
    site, count = re.subn(r"listen 80 default_server;", f"listen 127.0.0.1:{port};", site)
    assert count == 1, "the site config no longer listens on port 80"
    (runtime / "site.conf").write_text(site, encoding="utf-8")

    temp_paths = "\n".join(
        f"    {name}_temp_path {runtime / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = runtime / "nginx.conf"
    config.write_text(
        f"""daemon off;
worker_processes 1;
pid {runtime / "nginx.pid"};
error_log {runtime / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {runtime / "access.log"};
{temp_paths}
    include {runtime / "site.conf"};
}}
""",
        encoding="utf-8",
    )
    return config


def _wait_for_port(port: int, process: subprocess.Popen, runtime: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (runtime / "error.log").read_text() if (runtime / "error.log").exists() else ""
            pytest.fail(f"nginx exited with {process.returncode}: {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nginx did not listen on 127.0.0.1:{port} within 15 s")


def _start_nginx(site: Site) -> subprocess.Popen:
    config = _runtime_config(site.runtime, site.port, site.reports, site.auth)
    binary = _nginx_binary()
    check = subprocess.run(
        [binary, "-t", "-q", "-c", str(config), "-p", str(site.runtime)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, f"nginx -t rejected the site config: {check.stderr}"
    process = subprocess.Popen(
        [binary, "-c", str(config), "-p", str(site.runtime)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _wait_for_port(site.port, process, site.runtime)
    return process


def _stop_nginx(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGQUIT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture()
def site_folders() -> Iterator[Site]:
    """Temporary reports, auth and runtime folders that nginx's workers can read."""
    _nginx_binary()
    base = Path(tempfile.mkdtemp(prefix="tafiti-nginx-"))
    try:
        base.chmod(0o755)
        site = Site(_free_port(), base / "reports", base / "auth", base / "runtime")
        for folder in (site.reports, site.auth, site.runtime, base / "outside"):
            folder.mkdir()
        _write_reports(site.reports, base / "outside")
        yield site
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture()
def site(site_folders: Site) -> Iterator[Site]:
    """nginx serving the site config from a temporary reports folder."""
    process = _start_nginx(site_folders)
    try:
        yield site_folders
    finally:
        _stop_nginx(process)


def test_report_page_is_served_gzipped(site: Site) -> None:
    response = site.get("/groups/duka-bora-c5/", {"Accept-Encoding": "gzip"})

    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(response.body).decode("utf-8") == GROUP_PAGE
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert response.getheader("Cache-Control") == "no-cache"
    assert "Accept-Encoding" in response.getheader("Vary", "")


def test_index_page_is_served_uncompressed(site: Site) -> None:
    response = site.get("/")

    assert response.status == 200
    assert response.body.decode("utf-8") == INDEX_PAGE
    assert response.getheader("Content-Encoding") is None


def test_security_headers_are_set(site: Site) -> None:
    response = site.get("/")
    policy = response.getheader("Content-Security-Policy")

    assert "default-src 'self'" in policy
    assert "img-src 'self' data:" in policy
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self' 'unsafe-inline'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("Referrer-Policy") == "no-referrer"
    assert response.getheader("Server") == "nginx"


def test_security_headers_on_errors(site: Site) -> None:
    response = site.get("/groups/missing/")

    assert response.status == 404
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Content-Security-Policy") is not None


def test_images_are_cached_for_an_hour(site: Site) -> None:
    response = site.get("/groups/no-index/figure.png")

    assert response.status == 200
    assert response.getheader("Cache-Control") == "max-age=3600"
    assert response.getheader("X-Frame-Options") == "DENY"


@pytest.mark.parametrize(
    "path",
    [
        "/../etc/passwd",
        "/%2e%2e/etc/passwd",
        "/%2e%2e%2fetc%2fpasswd",
        "/groups/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc/passwd",
    ],
)
def test_traversal_is_refused(site: Site, path: str) -> None:
    response = site.get(path)

    assert response.status in (400, 403, 404)
    assert b"root:" not in response.body


@pytest.mark.parametrize(
    "path", ["/.render-state.json", "/groups/.render-state.json", "/.git/config"]
)
def test_dotfiles_are_refused(site: Site, path: str) -> None:
    response = site.get(path)

    assert response.status == 404
    assert b"duka-bora-c5" not in response.body


def test_symlink_out_of_reports_is_refused(site: Site) -> None:
    response = site.get("/groups/leak.html")

    assert response.status in (403, 404)
    assert b"outside the reports folder" not in response.body


def test_directory_without_index_is_not_listed(site: Site) -> None:
    response = site.get("/groups/no-index/")

    assert response.status == 403
    assert b"figure.png" not in response.body


def test_post_is_refused(site: Site) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    connection.request("POST", "/", body=b"x")
    response = connection.getresponse()
    connection.close()

    assert response.status == 403


def test_basic_auth_when_configured(site_folders: Site) -> None:
    # The password file holds user "staff" with password "reports" (SHA1 scheme, {SHA}).
    (site_folders.auth / "htpasswd").write_text("staff:{SHA}C37GiO65EZ9y8ytbD2JoGvjN4aQ=\n")
    auth_conf = AUTH_EXAMPLE.read_text(encoding="utf-8").replace(
        "/etc/nginx/tafiti-auth/", f"{site_folders.auth}/"
    )
    (site_folders.auth / "auth.conf").write_text(auth_conf)
    process = _start_nginx(site_folders)
    try:
        anonymous = site_folders.get("/")
        wrong = site_folders.get("/", {"Authorization": "Basic c3RhZmY6d3Jvbmc="})
        staff = site_folders.get("/", {"Authorization": "Basic c3RhZmY6cmVwb3J0cw=="})
    finally:
        _stop_nginx(process)

    assert anonymous.status == 401
    assert anonymous.getheader("WWW-Authenticate") == 'Basic realm="Tafiti reports"'
    assert wrong.status == 401
    assert staff.status == 200
    assert staff.body.decode("utf-8") == INDEX_PAGE
