"""Server behaviours the reference peer does not produce, served by a tiny loopback site."""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from inspector.core.discovery import discover
from inspector.core.http import HttpOptions

DOCUMENT = {
    "enabled": True,
    "apiVersion": "1.4.0",
    "endPoint": "https://cloud.example.org/ocm",
    "resourceTypes": [{"name": "file", "shareTypes": ["user"], "protocols": {"webdav": "/dav/"}}],
    "capabilities": ["invites"],
}

Route = tuple[int, dict[str, str], bytes]


class Site:
    """A loopback HTTP(S) server answering fixed routes; anything else is a JSON 404."""

    def __init__(self, routes: dict[str, Route], context: ssl.SSLContext | None = None) -> None:
        self.routes = routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(handler) -> None:  # noqa: N805 - the site is "self" here
                status, headers, body = self.routes.get(
                    handler.path, (404, {"Content-Type": "application/json"}, b'{"message":"no"}')
                )
                handler.send_response(status)
                for name, value in headers.items():
                    handler.send_header(name, value)
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                handler.wfile.write(body)

            def log_message(handler, *args) -> None:  # noqa: N805
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if context is not None:
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if context else "http"
        self.base_url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def json_route(document, status: int = 200, content_type: str = "application/json") -> Route:
    return status, {"Content-Type": content_type}, json.dumps(document).encode()


def redirect(location: str, status: int = 301) -> Route:
    return status, {"Location": location}, b""


@pytest.fixture
def site():
    sites: list[Site] = []

    def make(routes: dict[str, Route], context: ssl.SSLContext | None = None) -> Site:
        sites.append(Site(routes, context))
        return sites[-1]

    yield make
    for item in sites:
        item.close()


def codes(result) -> set[str]:
    return {f.code for f in result.findings}


def test_a_document_served_with_another_content_type_is_noted(site):
    served = site({"/.well-known/ocm": json_route(DOCUMENT, content_type="text/html")})
    result = discover(served.base_url, compare_paths=False)
    assert result.error is None
    assert "content-type-not-json" in codes(result)


def test_a_json_array_is_not_a_discovery_document(site):
    served = site({"/.well-known/ocm": json_route([DOCUMENT])})
    result = discover(served.base_url)
    assert result.error["kind"] == "not-json"
    assert "JSON array" in result.error["message"]


def test_paths_that_disagree_are_a_path_mismatch(site):
    legacy = dict(DOCUMENT, apiVersion="1.1.0")
    served = site({"/.well-known/ocm": json_route(DOCUMENT), "/ocm-provider": json_route(legacy)})
    result = discover(served.base_url)

    mismatch = [f for f in result.findings if f.code == "path-mismatch"]
    assert len(mismatch) == 1
    assert mismatch[0].severity == "warning" and mismatch[0].field == "apiVersion"
    assert result.summary["api_version"] == "1.4.0"


def test_a_redirected_document_keeps_its_trail_and_is_noted(site):
    served = site(
        {"/.well-known/ocm": redirect("/ocm/discovery"), "/ocm/discovery": json_route(DOCUMENT)}
    )
    result = discover(served.base_url, compare_paths=False)

    assert result.url == f"{served.base_url}/ocm/discovery"
    assert result.legacy_path is False
    assert result.attempts[0].trail == [
        f"{served.base_url}/.well-known/ocm",
        f"{served.base_url}/ocm/discovery",
    ]
    assert "redirected" in codes(result)


def test_a_redirect_from_https_to_http_is_an_insecure_url(site, tmp_path):
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    plain = site({"/.well-known/ocm": json_route(DOCUMENT)})
    secure = site({"/.well-known/ocm": redirect(f"{plain.base_url}/.well-known/ocm")}, context)

    result = discover(secure.base_url, HttpOptions(ca_bundle=str(ca_file)), compare_paths=False)

    assert result.url.startswith("http://")
    transport = [f for f in result.findings if f.code == "insecure-url" and f.field is None]
    assert len(transport) == 1 and "from https to http" in transport[0].message


def test_a_broken_legacy_path_explains_more_than_a_missing_well_known_one(site):
    nextcloud_failure = (
        500,
        {"Content-Type": "application/json"},
        b'{"message":"/ocm-provider/ not supported"}',
    )
    served = site({"/ocm-provider": nextcloud_failure})
    result = discover(served.base_url)

    assert result.error["kind"] == "http-status"
    assert result.error["message"].startswith(f"{served.base_url}/ocm-provider answered HTTP 500")
    assert "not supported" in result.error["message"]
    assert "/.well-known/ocm (HTTP 404)" in result.error["message"]


def test_a_base_url_with_a_path_is_discovered_below_it(site):
    served = site({"/nextcloud/.well-known/ocm": json_route(DOCUMENT)})
    result = discover(f"{served.base_url}/nextcloud", compare_paths=False)
    assert result.url == f"{served.base_url}/nextcloud/.well-known/ocm"


def test_a_json_error_status_quotes_the_servers_message(site):
    served = site({"/.well-known/ocm": json_route({"message": "maintenance mode"}, status=503)})
    result = discover(served.base_url)
    assert "HTTP 503: maintenance mode" in result.error["message"]
