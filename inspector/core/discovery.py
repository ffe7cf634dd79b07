"""Fetch a server's OCM discovery document and judge it.

``discover`` asks ``/.well-known/ocm``, then the legacy ``/ocm-provider`` and ``/ocm-provider/``,
and stops at the first JSON object. When the well-known path answers, the legacy path is fetched
too so that the two can be compared. A target without a scheme is tried over https, and over
http only when https cannot connect at all (as Nextcloud does), never after a certificate failure.

Network problems never raise: they end up in ``DiscoveryResult.error`` as ``{"kind", "message"}``
with the kinds of ``inspector.core.errors``. Every exchange is recorded, redirects included.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from inspector.core.cancel import CancelToken
from inspector.core.conformance import (
    check_document,
    clock_skew_finding,
    content_type_finding,
    differing_keys,
    insecure_transport_finding,
    legacy_path_finding,
    no_legacy_path_finding,
    path_mismatch_finding,
    redirected_finding,
    sort_findings,
)
from inspector.core.discovery_model import DiscoveryDocument, origin_of
from inspector.core.errors import (
    HttpStatusError,
    InspectorError,
    NetworkError,
    NotJson,
    TlsError,
    TlsHandshakeFailed,
    Unreachable,
)
from inspector.core.findings import Finding
from inspector.core.http import Exchange, HttpClient, HttpOptions
from inspector.core.store import Server
from inspector.core.targets import Target, parse_target

log = logging.getLogger(__name__)

WELL_KNOWN_PATH = "/.well-known/ocm"
LEGACY_PATHS = ("/ocm-provider", "/ocm-provider/")
DISCOVERY_PATHS = (WELL_KNOWN_PATH, *LEGACY_PATHS)

# Threads are cheap next to network waits; a cap keeps a huge list from opening too many sockets.
MAX_WORKERS = 64

_ACCEPT = {"Accept": "application/json"}


@dataclass
class PathAttempt:
    """One discovery path asked: what was requested, where redirects led, what came back."""

    path: str
    url: str
    purpose: str = "discovery"
    final_url: str | None = None
    status: int | None = None
    trail: list[str] = field(default_factory=list)
    error: dict[str, str] | None = None
    raw: dict[str, Any] | None = None
    content_type: str = ""
    date: str | None = None
    received_at: float | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    exception: InspectorError | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.raw is not None

    @property
    def could_not_connect(self) -> bool:
        """No TCP or TLS session came up: the case where http may be tried instead of https."""
        return isinstance(self.exception, Unreachable | TlsHandshakeFailed)

    @property
    def ends_base(self) -> bool:
        """The other paths on this base URL would fail the same way (no connection, bad TLS)."""
        return isinstance(self.exception, Unreachable | TlsError)

    @property
    def short_outcome(self) -> str:
        if self.ok:
            return f"HTTP {self.status}, JSON"
        if self.error and self.error["kind"] == "http-status":
            return f"HTTP {self.status}"
        return self.error["kind"] if self.error else "no answer"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "purpose": self.purpose,
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "trail": list(self.trail),
            "error": self.error,
        }


@dataclass
class DiscoveryResult:
    """Everything one discovery found out; ``to_dict`` is what ``--json`` prints."""

    target: str
    server_id: str | None = None
    base_url: str | None = None
    url: str | None = None
    legacy_path: bool = False
    error: dict[str, str] | None = None
    document: DiscoveryDocument | None = None
    findings: list[Finding] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    attempts: list[PathAttempt] = field(default_factory=list)
    clock_skew_s: float | None = None
    started_at: str = ""
    elapsed_ms: float = 0.0

    @property
    def summary(self) -> dict[str, Any]:
        return (self.document or DiscoveryDocument(raw={})).summary()

    @property
    def counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    @property
    def status(self) -> str:
        """The server-list badge: ok, warnings, errors, unreachable (or cancelled)."""
        if self.document is None:
            cancelled = self.error is not None and self.error.get("kind") == "cancelled"
            return "cancelled" if cancelled else "unreachable"
        counts = self.counts
        return "errors" if counts["error"] else "warnings" if counts["warning"] else "ok"

    @property
    def exit_code(self) -> int:
        """0: a document without error findings; 1: with error findings; 2: no document."""
        if self.document is None:
            return 2
        return 1 if self.counts["error"] else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "url": self.url,
            "legacy_path": self.legacy_path,
            "error": self.error,
            "document": self.document.to_dict() if self.document else None,
            "summary": self.summary,
            "findings": [f.to_dict() for f in self.findings],
            "exchanges": [_exchange_dict(e) for e in self.exchanges],
            "status": self.status,
            "server_id": self.server_id,
            "base_url": self.base_url,
            "mappings": [m.to_dict() for m in self.document.mappings] if self.document else [],
            "attempts": [a.to_dict() for a in self.attempts],
            "clock_skew_s": self.clock_skew_s,
            "started_at": self.started_at,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


def _exchange_dict(exchange: Exchange) -> dict[str, Any]:
    data = exchange.as_dict()
    data["truncated"] = exchange.truncated
    return data


def options_for(server: Server, base: HttpOptions | None = None) -> HttpOptions:
    """The HTTP options for a saved server: its TLS choices on top of ``base``."""
    base = base or HttpOptions()
    return dataclasses.replace(
        base, verify_tls=server.verify_tls, ca_bundle=server.ca_bundle or base.ca_bundle
    )


def discover(
    target: str | Target,
    options: HttpOptions | None = None,
    *,
    cancel: CancelToken | None = None,
    compare_paths: bool = True,
) -> DiscoveryResult:
    """Fetch and judge the discovery document of ``target``.

    Never raises an ``InspectorError``: an invalid target, a network failure or a cancellation is
    reported in ``result.error``. With ``compare_paths`` the legacy path is also fetched when the
    well-known one answers, and a difference becomes a ``path-mismatch`` finding.
    """
    result = DiscoveryResult(
        target=target if isinstance(target, str) else target.text,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    start = time.perf_counter()
    try:
        parsed = parse_target(target) if isinstance(target, str) else target
        with HttpClient(options, cancel=cancel) as client:
            # Shared list: exchanges made before a failure or cancellation stay visible.
            result.exchanges = client.exchanges
            _Discovery(client, parsed, result, compare_paths).run()
    except InspectorError as exc:
        result.error = exc.as_dict()
    result.elapsed_ms = (time.perf_counter() - start) * 1000
    log.info("discovered %s: %s in %.0f ms", result.target, result.status, result.elapsed_ms)
    return result


def discover_many(
    targets: Sequence[str | Target | Server],
    options: HttpOptions | Mapping[str, HttpOptions] | None = None,
    *,
    max_workers: int | None = None,
    cancel: CancelToken | None = None,
    on_result: Callable[[int, DiscoveryResult], None] | None = None,
    compare_paths: bool = True,
) -> list[DiscoveryResult]:
    """Discover many servers at once; results come back in input order.

    ``options`` is one ``HttpOptions`` for all, or a mapping from target text to options (the
    others get the defaults). A ``Server`` brings its own TLS options (``options_for``).
    ``on_result(index, result)`` is called from a worker thread as each one finishes.
    """
    jobs = [_job(item, options) for item in targets]
    results: list[DiscoveryResult | None] = [None] * len(jobs)
    if not jobs:
        return []
    workers = max(1, min(max_workers or MAX_WORKERS, len(jobs)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="discover") as pool:
        futures = {}
        for index, (target, job_options, _) in enumerate(jobs):
            job = pool.submit(
                discover, target, job_options, cancel=cancel, compare_paths=compare_paths
            )
            futures[job] = index
        for future in as_completed(futures):
            index = futures[future]
            result = future.result()
            result.server_id = jobs[index][2]
            results[index] = result
            if on_result is not None:
                on_result(index, result)
    return [r for r in results if r is not None]


def _job(
    item: str | Target | Server, options: HttpOptions | Mapping[str, HttpOptions] | None
) -> tuple[str | Target, HttpOptions, str | None]:
    default = options if isinstance(options, HttpOptions) else HttpOptions()
    if isinstance(item, Server):
        return item.target, options_for(item, default), item.id
    if isinstance(options, Mapping):
        text = item if isinstance(item, str) else item.text
        return item, options.get(text, default), None
    return item, default, None


class _Discovery:
    """One run of the discovery procedure, filling in a result."""

    def __init__(
        self, client: HttpClient, target: Target, result: DiscoveryResult, compare_paths: bool
    ) -> None:
        self.client = client
        self.target = target
        self.result = result
        self.compare_paths = compare_paths

    def run(self) -> None:
        # LIMITATION: the discovery paths are appended to the base URL as given, as Nextcloud
        # does, so https://host/nextcloud asks /nextcloud/.well-known/ocm and not the origin's
        # /.well-known/ocm (RFC 8615). Give the bare host to check the origin.
        bases = self.target.candidate_base_urls()
        attempts: list[PathAttempt] = []
        for index, base in enumerate(bases):
            self.result.base_url = base
            attempts = self._first_answer(base, DISCOVERY_PATHS)
            self.result.attempts.extend(attempts)
            if attempts[-1].ok or index == len(bases) - 1 or not attempts[0].could_not_connect:
                break
            log.info("%s: https cannot connect, trying http", self.target.display)

        winner = attempts[-1]
        if not winner.ok:
            self.result.error = _overall_error(attempts)
            if self.result.base_url != bases[0]:
                self.result.error["message"] += f"; {bases[0]} could not connect either"
            return
        self._judge(winner, fell_back=self.result.base_url != bases[0])

    def _first_answer(self, base: str, paths: Sequence[str], purpose: str = "discovery"):
        """Ask each path in turn until one gives a JSON object or the server cannot be reached."""
        attempts: list[PathAttempt] = []
        for path in paths:
            attempt = self._fetch(base, path, purpose)
            attempts.append(attempt)
            if attempt.ok or attempt.ends_base:
                break
        return attempts

    # LIMITATION: every request carries the inspector's own User-Agent. reva and OpenCloud answer
    # apiVersion "1.1" to "Nextcloud Server Crawler", so what an old Nextcloud sees can differ.
    def _fetch(self, base: str, path: str, purpose: str) -> PathAttempt:
        attempt = PathAttempt(path=path, url=base + path, purpose=purpose)
        first = len(self.client.exchanges)
        try:
            response = self.client.get(attempt.url, headers=_ACCEPT, follow_redirects=True)
            attempt.status = response.status
            attempt.final_url = response.url
            attempt.content_type = response.content_type
            attempt.date = response.headers.get("date")
            exchange = response.exchange
            attempt.received_at = exchange.started_at + exchange.elapsed_ms / 2000
            if not 200 <= response.status < 300:
                raise HttpStatusError(_status_message(response), response.status)
            data = response.json()
            if not isinstance(data, dict):
                raise NotJson(f"{response.url} returned a JSON {_json_kind(data)}, not an object")
            attempt.raw = data
        except NetworkError as exc:
            attempt.error = exc.as_dict()
            attempt.exception = exc
        attempt.exchanges = self.client.exchanges[first:]
        attempt.trail = [e.url for e in attempt.exchanges]
        return attempt

    def _judge(self, winner: PathAttempt, *, fell_back: bool) -> None:
        result = self.result
        assert winner.raw is not None and winner.final_url is not None
        result.url = winner.final_url
        result.legacy_path = winner.path != WELL_KNOWN_PATH
        result.document = DiscoveryDocument.from_json(
            winner.raw, origin=origin_of(winner.final_url)
        )
        findings = check_document(result.document)

        if result.legacy_path:
            findings.append(legacy_path_finding(winner.path))
        elif self.compare_paths and result.base_url:
            findings.extend(self._compare_legacy(result.base_url, winner))

        if fell_back:
            why = "https could not connect, so http was tried as Nextcloud does"
            findings.append(insecure_transport_finding(winner.final_url, why))
        elif winner.final_url.startswith("http://"):
            why = (
                "a redirect led from https to http"
                if winner.url.startswith("https://")
                else "the target names http://"
            )
            findings.append(insecure_transport_finding(winner.final_url, why))
        if len(winner.trail) > 1:
            findings.append(redirected_finding(winner.url, winner.final_url, len(winner.trail) - 1))
        if not _is_json_type(winner.content_type):
            findings.append(content_type_finding(winner.final_url, winner.content_type))

        result.clock_skew_s = _clock_skew(winner)
        skew = clock_skew_finding(result.clock_skew_s) if result.clock_skew_s is not None else None
        if skew:
            findings.append(skew)
        result.findings = sort_findings(findings)

    def _compare_legacy(self, base: str, winner: PathAttempt) -> list[Finding]:
        attempts = self._first_answer(base, LEGACY_PATHS, purpose="comparison")
        self.result.attempts.extend(attempts)
        legacy = attempts[-1]
        if not legacy.ok or legacy.raw is None:
            return [no_legacy_path_finding()]
        differing = differing_keys(winner.raw or {}, legacy.raw)
        if not differing:
            return []
        return [path_mismatch_finding(WELL_KNOWN_PATH, legacy.path, differing)]


def _overall_error(attempts: list[PathAttempt]) -> dict[str, str]:
    """The error that explains best why no path answered, naming the other paths tried.

    A 404 is the least telling answer (the path is simply not served), so the first other
    failure wins; a broken legacy document says more than a missing well-known one.
    """
    failed = [a for a in attempts if a.error]
    primary = next(
        (
            a
            for a in failed
            if not (a.error and a.error["kind"] == "http-status" and a.status == 404)
        ),
        failed[0],
    )
    assert primary.error is not None
    others = [f"{a.path} ({a.short_outcome})" for a in failed if a is not primary]
    message = primary.error["message"]
    if others:
        message += f"; also tried {', '.join(others)}"
    return {"kind": primary.error["kind"], "message": message}


def _status_message(response: Any) -> str:
    message = f"{response.url} answered HTTP {response.status}"
    try:
        body = response.json()
    except NotJson:
        return message
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return f"{message}: {body['message'][:100]}"
    return message


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) else "boolean"


def _is_json_type(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _clock_skew(attempt: PathAttempt) -> float | None:
    """Seconds the server's ``Date`` is ahead of this computer's clock (negative: behind).

    ``Date`` has whole seconds and is compared with the middle of the exchange, so the value is
    good to about a second: plenty for the one-minute threshold.
    """
    if not attempt.date or attempt.received_at is None:
        return None
    try:
        server_time = parsedate_to_datetime(attempt.date)
    except (TypeError, ValueError):
        return None
    if server_time.tzinfo is None:
        return None
    return round(server_time.timestamp() - attempt.received_at, 1)
