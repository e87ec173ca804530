"""Content negotiation (issue 19, part 4): the ``.htaccess`` cndkg writes, on a real Apache.

Debian's apache2 is started on 127.0.0.1 with its own configuration file (its own modules, PidFile,
ErrorLog, ``AllowOverride All`` over the built folder) and stopped by its PID. Requests do not follow
redirects: the IRI must answer 303 to the right document for each media type, with ``Vary: Accept`` and
``Link: rel="alternate"`` headers. The other configurations are checked for what they must say.
"""

from __future__ import annotations

import grp
import http.client
import os
import pwd
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

from cndkg.build import BuildOptions, build

APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
IRI_57_4 = "id/res/cnd/57/4"
PAGE_57_4 = "res/cnd/57/4/"


@dataclass(frozen=True)
class Served:
    """A built site served by Apache: its folder and port."""

    dist: Path
    port: int


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def dist() -> Iterator[Path]:
    """Build the bundled corpus once (no search index: not needed here).

    The folder is world-readable in its own temporary directory: run as root, Apache's workers
    drop to ``nobody``, who cannot enter pytest's 0700 temporary folders.
    """
    folder = Path(tempfile.mkdtemp(prefix="cndkg-conneg-"))
    try:
        os.chmod(folder, 0o755)
        out = folder / "dist"
        build(BuildOptions(sources=[], out=out, search=False))
        yield out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def apache(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Start Debian's apache2 on 127.0.0.1 over the built folder; stop it by its PID."""
    if not Path(APACHE).exists() or not (MODULES / "mod_rewrite.so").exists():
        pytest.skip("apache2 is not installed (scripts/test installs it: apt-get install apache2)")
    run = tmp_path_factory.mktemp("apache")
    root = os.geteuid() == 0
    port = _free_port()
    modules = ["mpm_event", "authz_core", "dir", "mime", "rewrite", "headers", "alias"]
    config = run / "httpd.conf"
    config.write_text(
        "\n".join(
            [
                f'ServerRoot "{run}"',
                f"Listen 127.0.0.1:{port}",
                *(["User nobody", f"Group {grp.getgrgid(pwd.getpwnam('nobody').pw_gid).gr_name}"] if root else []),
                "ServerName 127.0.0.1",
                f'PidFile "{run}/httpd.pid"',
                f'ErrorLog "{run}/error.log"',
                "LogLevel warn",
                *(f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in modules),
                f'DocumentRoot "{dist}"',
                "DirectoryIndex index.html",
                "TypesConfig /etc/mime.types",
                f'<Directory "{dist}">',
                "  AllowOverride All",
                "  Require all granted",
                "</Directory>",
                "",
            ]
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "APACHE_RUN_DIR": str(run), "APACHE_LOCK_DIR": str(run), "APACHE_LOG_DIR": str(run)}
    started = subprocess.run(
        [APACHE, "-f", str(config), "-k", "start"], capture_output=True, text=True, env=env, timeout=30, check=False
    )
    assert started.returncode == 0, started.stdout + started.stderr
    pid_file = run / "httpd.pid"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        pytest.fail("apache2 did not answer: " + (run / "error.log").read_text(errors="replace"))
    try:
        yield Served(dist, port)
    finally:
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)


def request(served: Served, path: str, accept: str | None = None) -> http.client.HTTPResponse:
    """Send one GET (no redirect followed) and return the response, its body read."""
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    headers = {"Accept": accept} if accept else {}
    connection.request("GET", "/" + path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.server
@pytest.mark.parametrize(
    ("accept", "document", "media"),
    [
        (BROWSER, PAGE_57_4, "text/html"),
        (None, PAGE_57_4, "text/html"),
        ("*/*", PAGE_57_4, "text/html"),
        ("text/turtle", PAGE_57_4 + "data.ttl", "text/turtle"),
        ("application/ld+json", PAGE_57_4 + "data.jsonld", "application/ld+json"),
        ("application/akn+xml", PAGE_57_4 + "data.akn.xml", "application/akn+xml"),
        ("text/turtle;q=0.9, application/rdf+xml;q=0.5", PAGE_57_4 + "data.ttl", "text/turtle"),
    ],
)
def test_the_iri_answers_303_to_the_document_for_each_media_type(
    apache: Served, accept: str | None, document: str, media: str
) -> None:
    for iri in (IRI_57_4, IRI_57_4 + "/"):
        response = request(apache, iri, accept)
        assert response.status == 303, (iri, accept, response.status)
        assert response.getheader("Location", "").endswith("/" + document), response.getheader("Location")
        assert "Accept" in (response.getheader("Vary") or ""), response.headers
        links = response.getheader("Link") or ""
        assert f'</{PAGE_57_4}data.ttl>; rel="alternate"; type="text/turtle"' in links, links
    landing = request(apache, document, accept)
    assert landing.status == 200
    assert (landing.getheader("Content-Type") or "").startswith(media), landing.getheader("Content-Type")


@pytest.mark.server
def test_pages_name_their_alternates_in_link_headers(apache: Served) -> None:
    page = request(apache, PAGE_57_4, BROWSER)
    assert page.status == 200
    links = page.getheader("Link") or ""
    for name, media in (("data.ttl", "text/turtle"), ("data.jsonld", "application/ld+json")):
        assert f'<{name}>; rel="alternate"; type="{media}"' in links, links
    assert '<data.akn.xml>; rel="alternate"; type="application/akn+xml"' in links, links
    state = request(apache, "state/ISR/", BROWSER).getheader("Link") or ""
    assert "data.ttl" in state and "data.akn.xml" not in state, state


@pytest.mark.server
def test_akn_is_only_offered_where_it_exists_and_unknown_iris_are_404(apache: Served) -> None:
    state = request(apache, "id/state/ISR", "application/akn+xml")
    assert state.status == 303 and (state.getheader("Location") or "").endswith("/state/ISR/")
    assert request(apache, "id/res/cnd/99/999", "text/turtle").status == 404


@pytest.mark.server
def test_well_known_void_and_the_feed_and_csv_media_types(apache: Served) -> None:
    void = request(apache, ".well-known/void")
    assert void.status == 303 and (void.getheader("Location") or "").endswith("/void.ttl")
    for path, media in (
        ("feed.atom", "application/atom+xml"),
        ("citations.csv", "text/csv"),
        ("void.ttl", "text/turtle"),
        ("cndkg.jsonld", "application/ld+json"),
    ):
        response = request(apache, path)
        assert response.status == 200 and (response.getheader("Content-Type") or "").startswith(media), path


def test_the_other_hosts_configurations(dist: Path) -> None:
    redirects = (dist / "_redirects").read_text(encoding="utf-8").splitlines()
    assert "/id/* /:splat/ 303" in redirects and "/.well-known/void /void.ttl 303" in redirects
    headers = (dist / "_headers").read_text(encoding="utf-8")
    assert f"/{PAGE_57_4}\n  Link: " in headers and f"/{PAGE_57_4}data.akn.xml\n" in headers
    nginx = (dist / "nginx-cndkg.conf").read_text(encoding="utf-8")
    assert "return 303 ${cndkg_doc}data.ttl;" in nginx and "add_header Vary Accept always;" in nginx
    if shutil.which("nginx"):
        pytest.skip("nginx syntax is not checked here")  # pragma: no cover
