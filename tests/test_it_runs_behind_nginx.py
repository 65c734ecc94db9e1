"""docs/deploy/nginx-archive.conf as an operator installs it: Debian's nginx, with TLS, in front of
two bin/serve-production servers released once (bin/release), configured as
docs/deploy/archive@.service configures them. Only the names, ports and paths marked in the file
are changed for the test."""

import gzip
import http.cookiejar
import json
import os
import re
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE, free_port
from tests.test_it_logs_errors import wait_for
from tests.test_it_releases_then_starts import production, start, stop

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(
    not Path(NGINX).exists() or os.geteuid() != 0,
    reason="needs Debian's nginx (bin/test installs it when run as root)",
)
SITE = REPO / "docs" / "deploy" / "nginx-archive.conf"
NO_CHECK = ssl.create_default_context()
NO_CHECK.check_hostname, NO_CHECK.verify_mode = False, ssl.CERT_NONE


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def site_for_the_test(tmp: Path, servers: list[int], http: int, https: int, data: Path) -> str:
    """The example, with the test's ports, certificate and folders where it marks them."""
    site = SITE.read_text()
    upstreams = "".join(f"    server 127.0.0.1:{port};\n" for port in servers)
    site = re.sub(r"(    server 127\.0\.0\.1:\d+;\n)+", upstreams, site)
    site = site.replace("listen 80;", f"listen {http};").replace("listen [::]:80;", "")
    site = site.replace("listen 443 ssl http2;", f"listen {https} ssl http2;").replace("listen [::]:443 ssl http2;", "")
    site = site.replace("/etc/letsencrypt/live/archive.example.org/fullchain.pem", str(tmp / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/archive.example.org/privkey.pem", str(tmp / "key.pem"))
    site = site.replace("/srv/archive/data/", f"{data}/")
    assert site.count(str(tmp)) >= 2 and site.count(f"{data}/") == 2, "the example's marked lines have changed"
    return site


@pytest.fixture
def behind_nginx(tmp_path):
    data = tmp_path / "data"
    env = production(data, tmp_path)
    env.update(ARCHIVE_ORIGINALS_ACCEL_REDIRECT="/internal-originals/", WEB_INDEX_WORKER="1")
    env["DJANGO_ALLOWED_HOSTS"] = "archive.example.org"
    env["DJANGO_SUPERUSER_PASSWORD"] = "a long enough password"
    for step in (["bin/release"], [".venv/bin/python", "manage.py", "import_transcript", str(SAMPLE)],
                 [".venv/bin/python", "manage.py", "createsuperuser", "--noinput", "--username", "editor",
                  "--email", "editor@example.org"]):  # fmt: skip
        done = subprocess.run(step, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=archive.example.org",
         "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    servers = [start(env, tmp_path / f"server-{n}.log") for n in (1, 2)]
    http, https = free_port(), free_port()
    (tmp_path / "site.conf").write_text(site_for_the_test(tmp_path, [port for _, port in servers], http, https, data))
    (tmp_path / "nginx.conf").write_text(
        f"user root; pid {tmp_path}/nginx.pid; error_log {tmp_path}/nginx-error.log; events {{}}\n"
        f"http {{ include /etc/nginx/mime.types; access_log {tmp_path}/nginx-access.log;"
        f" client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;"
        f" include {tmp_path}/site.conf; }}\n"
    )
    nginx = subprocess.Popen([NGINX, "-c", tmp_path / "nginx.conf", "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        for server, port in servers:
            wait_for(port, server, seconds=60)
        wait_for(https, nginx)
        yield {"http": http, "https": https, "logs": [tmp_path / f"server-{n}.log" for n in (1, 2)], "data": data}
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        for server, _port in servers:
            stop(server)


def get(url: str, opener=None, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Host": "archive.example.org", **headers})
    try:
        with (opener.open if opener else urllib.request.urlopen)(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_an_operator_s_nginx_in_front_of_two_servers(behind_nginx):
    site = f"https://127.0.0.1:{behind_nginx['https']}"
    https = urllib.request.build_opener(urllib.request.HTTPSHandler(context=NO_CHECK), NoRedirect())
    # Plain HTTP is sent to HTTPS by nginx; through HTTPS the archive answers, without a redirect
    # loop (X-Forwarded-Proto), at every page, from both servers in turn.
    status, headers, _ = get(f"http://127.0.0.1:{behind_nginx['http']}/episodes/", https)
    assert status == 301 and headers["Location"] == "https://archive.example.org/episodes/"
    ids = []
    for _ in range(6):
        status, headers, body = get(site + "/", https, **{"X-Forwarded-For": "6.6.6.6"})
        assert status == 200 and b"SMART TECH" in body
        ids.append(headers["X-Request-ID"])
    status, _, body = get(site + "/api/search/?q=quantique", https)
    assert status == 200 and json.loads(body)["count"] == 22
    # Public pages come compressed from the archive; static files from nginx, under the hashed names
    # the pages give, compressed copies and a year of caching; the media folder nowhere.
    status, headers, body = get(site + "/", https, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    stylesheet = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', gzip.decompress(body))[1].decode()
    status, headers, body = get(site + stylesheet, https, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and b"{" in gzip.decompress(body)
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    original = next((behind_nginx["data"] / "uploads" / "transcripts").rglob("*.txt"))
    relative = original.relative_to(behind_nginx["data"] / "uploads")
    for address in (f"/media/{relative}", f"/internal-originals/{relative}"):
        assert get(site + address, https)[0] == 404, address
    # Staff download the original: the archive checks them, nginx sends the file.
    jar = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    staff = urllib.request.build_opener(urllib.request.HTTPSHandler(context=NO_CHECK), jar)
    login = get(site + "/admin/login/", staff)[2].decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login)[1]
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "editor", "password": "a long enough password", "next": "/admin/"}
    ).encode()
    request = urllib.request.Request(
        site + "/admin/login/",
        form,
        headers={"Host": "archive.example.org", "Referer": "https://archive.example.org/admin/login/"},
    )
    staff.open(request, timeout=10).read()
    status, headers, body = get(site + "/admin/episodes/episode/1/original/", staff)
    assert status == 200 and body == SAMPLE.read_bytes()
    assert headers["Content-Disposition"].startswith("attachment;")
    # An upload larger than the limit is refused by nginx before it reaches a server.
    too_big = urllib.request.Request(
        site + "/admin/episodes/episode/import/", b"x" * (26 * 1024 * 1024), headers={"Host": "archive.example.org"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        https.open(too_big, timeout=30)
    assert refused.value.code == 413
    time.sleep(0.5)  # the access lines are written after the answers
    logged = "".join(log.read_text() for log in behind_nginx["logs"])
    # Each server answered some; each line names the visitor (not the forged address, not nginx)
    # and the id nginx gave the request, which the answer sent back.
    assert all(log.read_text().count('"GET / HTTP') for log in behind_nginx["logs"])
    for request_id in ids:
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)
        line = next(line for line in logged.splitlines() if line.endswith(f"ms {request_id}"))
        assert line.startswith("127.0.0.1 ") and "6.6.6.6" not in line
