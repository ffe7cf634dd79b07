"""The one place that talks HTTP.

Every request goes through ``HttpClient``: bounded connect and read time, a cap on the body size
that stops reading at the limit, TLS verified unless the server's options say otherwise, an
optional extra CA bundle, redirects followed by hand so the trail can be shown, and a record of
every exchange (``Exchange``) for the transcript.
"""

from __future__ import annotations

import json
import logging
import os
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx

from inspector import __version__
from inspector.core.cancel import CancelToken
from inspector.core.errors import (
    Cancelled,
    HttpStatusError,
    InvalidUrl,
    NetworkError,
    NotJson,
    RedirectError,
    RequestTimeout,
    ResponseTooLarge,
    TlsError,
    TlsHandshakeFailed,
    Unreachable,
)
from inspector.core.redact import redact_body, redact_headers

log = logging.getLogger(__name__)
# httpx logs every request at INFO; the exchanges recorded here say the same with secrets
# redacted, so its logger only speaks up for warnings.
logging.getLogger("httpx").setLevel(logging.WARNING)

DEFAULT_MAX_BODY = 1 << 20
USER_AGENT = f"ocm-inspector/{__version__}"
_REDIRECT_CODES = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class HttpOptions:
    """How to talk to one server. ``verify_tls=False`` is a per-server, visible choice."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_body: int = DEFAULT_MAX_BODY
    verify_tls: bool = True
    ca_bundle: str | None = None
    max_redirects: int = 5
    user_agent: str = USER_AGENT

    def with_timeout(self, seconds: float | None) -> HttpOptions:
        if seconds is None:
            return self
        return HttpOptions(
            connect_timeout=min(self.connect_timeout, seconds),
            read_timeout=seconds,
            total_timeout=max(seconds, seconds * 2),
            max_body=self.max_body,
            verify_tls=self.verify_tls,
            ca_bundle=self.ca_bundle,
            max_redirects=self.max_redirects,
            user_agent=self.user_agent,
        )


@dataclass
class Exchange:
    """One HTTP request and its response (or the error instead of one)."""

    method: str
    url: str
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes = b""
    status: int | None = None
    reason: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""
    truncated: bool = False
    started_at: float = 0.0
    elapsed_ms: float = 0.0
    error: str | None = None
    http_version: str = ""

    def response_header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.response_headers:
            if key.lower() == name:
                return value
        return None

    def as_dict(self, *, bodies: bool = False, reveal: bool = False) -> dict[str, Any]:
        """Serialisable form. Secrets are redacted unless ``reveal`` is set explicitly."""
        data: dict[str, Any] = {
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }
        if self.error:
            data["error"] = self.error
        if bodies:
            req_headers = self.request_headers if reveal else redact_headers(self.request_headers)
            resp_headers = (
                self.response_headers if reveal else redact_headers(self.response_headers)
            )
            data["request_headers"] = [list(item) for item in req_headers]
            data["response_headers"] = [list(item) for item in resp_headers]
            data["request_body"] = _body_text(self.request_body, reveal)
            data["response_body"] = _body_text(self.response_body, reveal)
            data["truncated"] = self.truncated
        return data


def _body_text(body: bytes, reveal: bool) -> str:
    text = body.decode("utf-8", errors="replace")
    return text if reveal else redact_body(text)


@dataclass
class HttpResponse:
    """A complete, size-capped response plus the exchanges that led to it (redirects first)."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: str
    exchange: Exchange
    history: list[Exchange] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode(_charset(self.headers), errors="replace")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON; ``NotJson`` with a one-line reason otherwise."""
        if not self.body.strip():
            raise NotJson(f"{self.url} returned an empty body (HTTP {self.status}), not JSON")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            snippet = self.text.strip().replace("\n", " ")[:60]
            if snippet.lower().startswith(("<!doctype", "<html", "<?xml", "<")):
                what = "an HTML page" if "html" in snippet.lower() else "markup"
                raise NotJson(
                    f"{self.url} returned {what} (HTTP {self.status}, {self.content_type or 'no type'}),"
                    " not JSON"
                ) from None
            raise NotJson(f"{self.url} returned broken JSON (HTTP {self.status}): {exc}") from None

    def raise_for_status(self) -> None:
        if not 200 <= self.status < 300:
            raise HttpStatusError(f"{self.url} answered HTTP {self.status}", self.status)


def _charset(headers: httpx.Headers) -> str:
    for part in headers.get("content-type", "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"


class HttpClient:
    """A bounded HTTP client that records every exchange.

    Not thread-safe; create one per task. Use as a context manager.
    """

    def __init__(
        self,
        options: HttpOptions | None = None,
        *,
        cancel: CancelToken | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.options = options or HttpOptions()
        self.cancel = cancel or CancelToken()
        self.exchanges: list[Exchange] = []
        self._client = httpx.Client(
            timeout=httpx.Timeout(
                self.options.read_timeout,
                connect=self.options.connect_timeout,
                pool=self.options.connect_timeout,
            ),
            verify=_ssl_context(self.options),
            follow_redirects=False,
            headers={"User-Agent": self.options.user_agent},
            transport=transport,
            trust_env=False,
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("POST", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | Iterable[tuple[str, str]] | None = None,
        content: bytes | None = None,
        follow_redirects: bool = False,
        max_body: int | None = None,
    ) -> HttpResponse:
        """Send a request and read the whole (capped) response.

        With ``follow_redirects`` the redirects are followed by hand, up to ``max_redirects``; a
        loop or too many hops raises ``RedirectError``. Raises a ``NetworkError`` subclass for
        connect, TLS, timeout and size failures; an HTTP error status is *not* raised.
        """
        history: list[Exchange] = []
        seen: set[str] = set()
        current = url
        while True:
            self.cancel.check()
            response = self._send_once(method, current, headers, content, max_body)
            if not follow_redirects or response.status not in _REDIRECT_CODES:
                response.history = history
                return response

            location = response.headers.get("location")
            if not location:
                response.history = history
                return response
            history.append(response.exchange)
            seen.add(current)
            target = urljoin(current, location)
            if target in seen:
                raise RedirectError(f"Redirect loop: {current} sends back to {target}")
            if len(history) > self.options.max_redirects:
                raise RedirectError(
                    f"More than {self.options.max_redirects} redirects starting at {url}"
                )
            if not target.startswith(("http://", "https://")):
                raise RedirectError(f"{current} redirects to a non-HTTP location: {target}")
            log.debug("redirect %s -> %s", current, target)
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, content = "GET", None
            current = target

    def _send_once(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | Iterable[tuple[str, str]] | None,
        content: bytes | None,
        max_body: int | None,
    ) -> HttpResponse:
        limit = self.options.max_body if max_body is None else max_body
        try:
            request = self._client.build_request(method, url, headers=headers, content=content)
        except (httpx.InvalidURL, ValueError, TypeError) as exc:
            raise InvalidUrl(f"Cannot request {url!r}: {_first_line(exc)}") from None
        exchange = Exchange(
            method=method,
            url=url,
            request_headers=list(request.headers.items()),
            request_body=content or b"",
            started_at=time.time(),
        )
        self.exchanges.append(exchange)
        start = time.perf_counter()
        deadline = start + self.options.total_timeout
        log.debug("%s %s", method, url)
        try:
            response = self._client.send(request, stream=True)
        except Exception as exc:
            exchange.elapsed_ms = (time.perf_counter() - start) * 1000
            error = _translate(exc, url, self.options)
            exchange.error = str(error)
            raise error from None

        try:
            exchange.status = response.status_code
            exchange.reason = response.reason_phrase
            exchange.http_version = response.http_version
            exchange.response_headers = list(response.headers.items())
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                exchange.truncated = True
                raise ResponseTooLarge(
                    f"{url} announced a {int(declared):,}-byte body; the limit is {limit:,} bytes"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_raw():
                size += len(chunk)
                if size > limit:
                    chunks.append(chunk[: max(0, limit - (size - len(chunk)))])
                    exchange.truncated = True
                    exchange.response_body = b"".join(chunks)
                    raise ResponseTooLarge(
                        f"{url} sent more than the {limit:,}-byte limit; reading stopped there"
                    )
                chunks.append(chunk)
                if time.perf_counter() > deadline:
                    raise RequestTimeout(
                        f"{url} kept sending for over {self.options.total_timeout:g} s; gave up"
                    )
                self.cancel.check()
            body = b"".join(chunks)
            body = _decode(body, response.headers.get("content-encoding", ""), limit, url)
            exchange.response_body = body
        except NetworkError as exc:
            exchange.error = str(exc)
            raise
        except Cancelled:
            exchange.error = "cancelled"
            raise
        except Exception as exc:
            error = _translate(exc, url, self.options)
            exchange.error = str(error)
            raise error from None
        finally:
            response.close()
            exchange.elapsed_ms = (time.perf_counter() - start) * 1000

        log.debug("%s %s -> %s in %.0f ms", method, url, exchange.status, exchange.elapsed_ms)
        return HttpResponse(
            status=response.status_code,
            headers=response.headers,
            body=body,
            url=url,
            exchange=exchange,
        )


def _decode(body: bytes, encoding: str, limit: int, url: str) -> bytes:
    """Undo gzip/deflate by hand so a compressed bomb cannot exceed the limit."""
    encoding = encoding.strip().lower()
    if not encoding or encoding == "identity":
        return body
    import zlib

    if encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj()
    else:
        return body
    try:
        out = decoder.decompress(body, limit + 1)
    except zlib.error as exc:
        raise NotJson(f"{url} sent a corrupt {encoding} body: {exc}") from None
    if len(out) > limit or decoder.unconsumed_tail:
        raise ResponseTooLarge(f"{url} sent a body that expands past the {limit:,}-byte limit")
    return out


# Loading the system CA store takes tens of milliseconds, longer than a loopback request, so the
# contexts are reused (an SSLContext is safe to share between threads). The key includes the CA
# bundle's mtime and size, so an edited bundle is loaded afresh.
_CONTEXTS: dict[tuple[str | None, int, int], ssl.SSLContext] = {}
_CONTEXTS_LOCK = threading.Lock()


def _ssl_context(options: HttpOptions) -> ssl.SSLContext | bool:
    if not options.verify_tls:
        return False
    key: tuple[str | None, int, int] = (options.ca_bundle, 0, 0)
    if options.ca_bundle:
        try:
            stat = os.stat(options.ca_bundle)
        except OSError as exc:
            raise TlsError(f"Cannot load CA bundle {options.ca_bundle}: {exc}") from None
        key = (options.ca_bundle, stat.st_mtime_ns, stat.st_size)
    with _CONTEXTS_LOCK:
        context = _CONTEXTS.get(key)
        if context is None:
            context = _new_ssl_context(options.ca_bundle)
            _CONTEXTS[key] = context
    return context


def _new_ssl_context(ca_bundle: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_bundle:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise TlsError(f"Cannot load CA bundle {ca_bundle}: {exc}") from None
    return context


def _translate(exc: Exception, url: str, options: HttpOptions) -> NetworkError:
    """Map an httpx or socket failure to the error kind a user can act on."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return TlsError(
                f"TLS certificate of {url} not trusted ({cause.verify_message}); add a CA bundle"
                " or turn off verification for this server"
            )
        if isinstance(cause, ssl.SSLError):
            return TlsHandshakeFailed(f"TLS handshake with {url} failed: {cause.reason or cause}")
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.TimeoutException):
        if isinstance(exc, httpx.ConnectTimeout):
            return RequestTimeout(f"Connecting to {url} took over {options.connect_timeout:g} s")
        return RequestTimeout(f"{url} did not answer within {options.read_timeout:g} s")
    if isinstance(exc, httpx.ConnectError):
        return Unreachable(f"Cannot connect to {url}: {_first_line(exc)}")
    if isinstance(exc, httpx.RemoteProtocolError):
        return Unreachable(f"{url} broke the HTTP protocol: {_first_line(exc)}")
    if isinstance(exc, httpx.HTTPError | OSError):
        return Unreachable(f"Request to {url} failed: {_first_line(exc)}")
    if isinstance(exc, httpx.InvalidURL | ValueError):
        return Unreachable(f"Invalid URL {url}: {_first_line(exc)}")
    raise exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
