"""``ReferencePeer``: an OCM server on loopback, in a background thread, for demos and tests.

The HTTP layer is the stdlib's ``ThreadingHTTPServer``. It reads each request (refusing bodies over
1 MiB), hands it to the active profile, and writes the answer with a correct Content-Length over
HTTP/1.1 keep-alive. A handler exception becomes a 500 with a JSON body; the server keeps running.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from inspector import __version__
from inspector.core.keys import SigningKey
from inspector.peer import tls as tls_material
from inspector.peer.faults import CLOCK_SKEW, SLOW_DELAY, check_faults
from inspector.peer.profile import PeerContext, Profile
from inspector.peer.profiles import PROFILES, profile_class
from inspector.peer.share import OWNER_ID, RECIPIENT_ID, DemoShare, random_alphanumeric
from inspector.peer.tokens import TokenStore
from inspector.peer.trust import KeyResolver, TrustStore, is_loopback, load_jwks
from inspector.peer.wire import (
    MAX_REQUEST_BODY,
    HttpProblem,
    PeerRequest,
    PeerResponse,
    json_response,
    message_body,
)

# The request log is the peer's public output (the CLI prints it), so it has a fixed name.
log = logging.getLogger("inspector.peer")

_HANDLER_TIMEOUT = 30.0
_TLS_HANDSHAKE_TIMEOUT = 10.0
_DISCARD_LIMIT = 16 * MAX_REQUEST_BODY
_HEADERS_SET_BY_SERVER = {"content-length", "connection", "transfer-encoding", "date", "server"}


class ServedRequest(NamedTuple):
    """One request the peer answered: what was asked and the status it got."""

    method: str
    path: str
    status: int

    def line(self) -> str:
        return f"{self.method} {self.path} {self.status}"


class ReferencePeer:
    """A reference OCM server with one of the ``PROFILES``.

    Binds to 127.0.0.1 unless ``host`` says otherwise; ``port=0`` picks a free port. ``faults``
    are names from ``FAULTS``; ``delay`` (seconds) holds back every response ("slow" means 5 s
    unless ``delay`` is given). ``trust_jwks`` (a JWKS dict, file path or URL) adds keys the peer
    accepts signatures from. ``on_request`` is called with each ``ServedRequest``.

    Use as a context manager, or call ``start()`` and ``stop()``. Raises ``ValueError`` for an
    unknown profile or fault, ``OSError`` when the address cannot be bound, and
    ``KeyLookupError`` when ``trust_jwks`` cannot be read.
    """

    def __init__(
        self,
        profile: str = "spec",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        faults: Iterable[str] = (),
        delay: float | None = None,
        trust_jwks: str | Path | Mapping[str, Any] | None = None,
        on_request: Callable[[ServedRequest], None] | None = None,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
        self.profile = profile
        self.host = host
        self.port = port
        self.tls = tls
        self.faults = check_faults(faults)
        if delay is None and "slow" in self.faults:
            delay = SLOW_DELAY
        if delay is not None and delay < 0:
            raise ValueError(f"delay must be zero or more seconds, not {delay}")
        self.delay = delay
        self.requests: list[ServedRequest] = []
        self.ca_file: str | None = None
        self.trust_store = TrustStore()
        self._trust_source = trust_jwks
        self._on_request = on_request
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _PeerServer | None = None
        self._thread: threading.Thread | None = None
        self._profile: Profile | None = None

    def __repr__(self) -> str:
        where = self._profile.ctx.base_url if self._profile else "not started"
        return f"<ReferencePeer {self.profile} {where}>"

    def __enter__(self) -> ReferencePeer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> ReferencePeer:
        """Bind, build the profile and serve in a daemon thread. Starting twice is harmless."""
        if self._server is not None:
            return self
        if self._trust_source is not None:
            self.trust(load_jwks(self._trust_source, ca_bundle=tls_material.process_ca_file()))

        context = tls_material.server_context(self.host) if self.tls else None
        server = _PeerServer((self.host, self.port), self, context)
        try:
            netloc = _netloc(self.host, server.server_address[1])
            base_url = f"{'https' if self.tls else 'http'}://{netloc}"
            self._profile = self._build_profile(base_url, netloc)
            if self.tls:
                self.ca_file = tls_material.write_ca_file()
        except BaseException:
            server.server_close()
            raise

        self._stopping.clear()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            # stop() waits for the loop to notice; a short poll keeps that wait short.
            kwargs={"poll_interval": 0.02},
            name=f"ocm-peer-{self.profile}-{netloc}",
            daemon=True,
        )
        self._thread.start()
        if is_loopback(netloc):
            log.info("%s peer listening on %s (loopback only)", self.profile, base_url)
        else:
            log.warning(
                "%s peer listening on %s: reachable from other machines", self.profile, base_url
            )
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and remove the CA file."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.ca_file is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.ca_file)
            self.ca_file = None
        log.info("%s peer on %s stopped", self.profile, self.base_url)

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- what callers read --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._started().ctx.base_url

    @property
    def share(self) -> DemoShare:
        return self._started().ctx.share

    @property
    def client_id(self) -> str:
        """The client_id a receiver may send: this peer's own host[:port].

        A second peer used as the receiver passes its own ``client_id``; the token endpoint then
        finds that peer's keys through its discovery.
        """
        return self._started().ctx.netloc

    @property
    def signing_key(self) -> SigningKey | None:
        """The key this peer signs requests with (None for reva, which never signs)."""
        return self._started().signing_key

    @property
    def cavage_key(self) -> SigningKey | None:
        """The RSA key behind discovery's ``publicKey`` (nextcloud, legacy), for draft-cavage."""
        return self._started().cavage_key

    def jwks(self) -> dict[str, Any]:
        """The JWKS the peer publishes right now (reading it here does not rotate it)."""
        return self._started().jwks()

    def trust(self, jwks: Mapping[str, Any]) -> int:
        """Accept signatures made with the keys of ``jwks`` (a JWKS or one JWK)."""
        return self.trust_store.add(jwks)

    def info(self) -> dict[str, Any]:
        """What a user needs to talk to this peer; the first line the CLI prints."""
        return {
            "base_url": self.base_url,
            "share": self.share.to_dict(),
            "client_id": self.client_id,
            "ca_file": self.ca_file,
            "profile": self.profile,
            "faults": sorted(self.faults),
        }

    # -- internals ----------------------------------------------------------------------------

    def _started(self) -> Profile:
        if self._profile is None:
            raise RuntimeError("the reference peer has not been started; call start() first")
        return self._profile

    def _build_profile(self, base_url: str, netloc: str) -> Profile:
        cls = profile_class(self.profile)
        share_id = secrets.token_hex(8)
        share = DemoShare(
            secret=random_alphanumeric(32),
            uri=cls.share_uri(base_url, share_id),
            share_id=share_id,
            owner=f"{OWNER_ID}@{netloc}",
            share_with=f"{RECIPIENT_ID}@{netloc}",
            name=cls.share_name,
            resource_type=cls.share_resource_type,
        )
        clock = _skewed_clock if "clock-skew" in self.faults else time.time
        context = PeerContext(
            base_url=base_url,
            netloc=netloc,
            share=share,
            faults=self.faults,
            tokens=TokenStore(),
            resolver=KeyResolver(self.trust_store, ca_bundle=tls_material.process_ca_file),
            clock=clock,
        )
        return cls(context)

    def now(self) -> float:
        """The peer's clock: ten minutes fast under the clock-skew fault."""
        return self._profile.ctx.now() if self._profile else time.time()

    def respond(self, request: PeerRequest) -> PeerResponse:
        """The profile's answer; any exception becomes a 500 with a JSON body."""
        try:
            return self._started().handle(request)
        except Exception:
            log.exception("%s peer failed on %s %s", self.profile, request.method, request.path)
            return json_response(
                500,
                {
                    "error": "server_error",
                    "message": "the reference peer failed on this request; its log has the cause",
                },
            )

    def hold_back(self) -> None:
        """Wait out the configured delay; returns early when the peer stops."""
        if self.delay:
            self._stopping.wait(self.delay)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def record(self, served: ServedRequest) -> None:
        with self._lock:
            self.requests.append(served)
        log.info("%s", served.line())
        if self._on_request is not None:
            try:
                self._on_request(served)
            except Exception:
                log.exception("the on_request callback failed")


def _skewed_clock() -> float:
    return time.time() + CLOCK_SKEW


# LIMITATION: the base URL names the bind address as given, so a wildcard such as 0.0.0.0 gives a
# URL that works only on this machine; bind a routable address to be reached from elsewhere.
def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class _PeerServer(ThreadingHTTPServer):
    daemon_threads = True
    # Keep-alive connections must not hold up stop(); they are closed explicitly instead.
    block_on_close = False

    def __init__(
        self, address: tuple[str, int], peer: ReferencePeer, tls_context: ssl.SSLContext | None
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.peer = peer
        self.tls_context = tls_context
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, a DNS query the peer must not make.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls_context is None:
            super().finish_request(request, client_address)
            return
        # The handshake runs here, in the connection's own thread, so a stalled client cannot
        # block the accept loop.
        request.settimeout(_TLS_HANDSHAKE_TIMEOUT)
        wrapped = self.tls_context.wrap_socket(request, server_side=True)
        try:
            super().finish_request(wrapped, client_address)
        finally:
            wrapped.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up, fail the TLS handshake or time out are normal for a test peer.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = _HANDLER_TIMEOUT
    # Headers and body go out in separate writes; with Nagle on, the body would wait for the
    # client's delayed ACK (40 ms on Linux) on every response.
    disable_nagle_algorithm = True
    server: _PeerServer

    def __getattr__(self, name: str) -> Any:
        # The stdlib looks up do_<METHOD> and answers 501 when it is missing. Every method goes
        # through one dispatcher instead, so that routing decides between 404 and 405.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        self.server.untrack(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def version_string(self) -> str:
        return f"ocm-inspector-peer/{__version__} ({self.server.peer.profile})"

    def date_time_string(self, timestamp: float | None = None) -> str:
        return formatdate(self.server.peer.now() if timestamp is None else timestamp, usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s - %s", self.address_string(), format % args)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        # Each request is logged once, by ReferencePeer.record, with the path and status.
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found by the stdlib's request parser, answered in JSON like everything else."""
        phrase = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error"
        self.close_connection = True
        # An unparseable request line leaves the version at HTTP/0.9, for which the stdlib
        # would send no status line or headers at all; no client today understands that.
        self.request_version = self.protocol_version
        command = getattr(self, "command", None)
        path = urlsplit(getattr(self, "path", "") or "").path or "-"
        if command:
            self.server.peer.record(ServedRequest(command, path, code))
        response = message_body(code, message or phrase)
        response.headers.append(("Connection", "close"))
        self._send(response)

    def _dispatch(self) -> None:
        peer = self.server.peer
        target = self.path
        try:
            request = self._read_request(peer)
        except HttpProblem as problem:
            # The body was not read, so the connection cannot carry another request.
            self.close_connection = True
            response = problem.response
        else:
            response = peer.respond(request)
        peer.hold_back()
        peer.record(ServedRequest(self.command, urlsplit(target).path, response.status))
        self._send(response)

    def _read_request(self, peer: ReferencePeer) -> PeerRequest:
        body = self._read_body()
        parts = urlsplit(self.path)
        if parts.scheme:
            url = self.path
        else:
            # The target URI as the client addressed it (RFC 9421 @target-uri covers it), so a
            # client that says "localhost" is checked against "localhost", not our base URL.
            authority = (self.headers.get("Host") or "").strip() or peer.client_id
            scheme = "https" if peer.tls else "http"
            url = f"{scheme}://{authority}{self.path}"
        return PeerRequest(
            method=self.command,
            target=self.path,
            path=unquote(parts.path),
            query=parts.query,
            headers=list(self.headers.items()),
            body=body,
            url=url,
        )

    def _read_body(self) -> bytes:
        encoding = (self.headers.get("Transfer-Encoding") or "").strip().lower()
        if encoding and encoding != "identity":
            if encoding != "chunked":
                raise HttpProblem(
                    message_body(501, f"Transfer-Encoding {encoding} is not supported")
                )
            return self._read_chunked()
        declared = (self.headers.get("Content-Length") or "").strip()
        if not declared:
            return b""
        if not declared.isdigit():
            raise HttpProblem(message_body(400, f"Content-Length {declared!r} is not a number"))
        length = int(declared)
        if length > MAX_REQUEST_BODY:
            self._discard(length)
            raise HttpProblem(_too_large())
        body = self.rfile.read(length)
        if len(body) != length:
            raise HttpProblem(message_body(400, "the body is shorter than its Content-Length"))
        return body

    def _discard(self, length: int) -> None:
        """Read and drop an oversized body so that the client gets to read the 413.

        Closing with unread data makes the kernel reset the connection, and the client would see
        a reset instead of the answer. Bodies beyond ``_DISCARD_LIMIT`` are not worth reading.
        """
        if length > _DISCARD_LIMIT:
            return
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 16))
            if not chunk:
                return
            remaining -= len(chunk)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise HttpProblem(message_body(400, "malformed chunked body")) from None
            if size == 0:
                break
            total += size
            if total > _DISCARD_LIMIT:
                raise HttpProblem(_too_large())
            data = self.rfile.read(size)
            if total <= MAX_REQUEST_BODY:
                chunks.append(data)
            self.rfile.readline(3)
        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
            pass  # trailer fields carry nothing the peer uses
        if total > MAX_REQUEST_BODY:
            raise HttpProblem(_too_large())
        return b"".join(chunks)

    def _send(self, response: PeerResponse) -> None:
        head_only = getattr(self, "command", None) == "HEAD"
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in _HEADERS_SET_BY_SERVER:
                self.send_header(name, value)

        if response.stream is not None:
            # No length is announced: the end of the body is the end of the connection.
            self.close_connection = True
            self.send_header("Connection", "close")
            self.end_headers()
            if not head_only:
                self._write_stream(response.stream)
            return

        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if response.body and not head_only and response.status not in (204, 304):
            self.wfile.write(response.body)

    def _write_stream(self, chunks: Iterable[bytes]) -> None:
        try:
            for chunk in chunks:
                if self.server.peer.stopping:
                    return
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError):
            log.debug("client stopped reading the streamed body")


def _too_large() -> PeerResponse:
    return message_body(413, f"the body is larger than {MAX_REQUEST_BODY:,} bytes")
