"""Discovery benchmarks on loopback, reported as ratios against baselines from the same run.

1. Overhead: one discovery of the reference peer against a bare httpx GET of the same URL. The
   two are measured alternately, many times, and compared by their medians. The bare GET gets
   what the inspector has too: a fresh client per request with a ready TLS context (the
   inspector reuses its contexts; building one costs more than the whole request). The full
   discovery, which also asks the legacy paths to compare them, is shown for information.
2. Concurrency: checking 50 peers that each answer after 200 ms against checking one of them.
   Only concurrency keeps this near 1x; one after another it would be about 50x.

Run: ``python benchmarks/discovery.py`` (well under a minute).
"""

from __future__ import annotations

import argparse
import ssl
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# benchmarks/jwt.py shares its name with PyJWT; keep this folder off the import path so that the
# peer's "import jwt" finds the library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import httpx  # noqa: E402

from inspector.core.discovery import discover, discover_many  # noqa: E402
from inspector.core.discovery_schema import clear_cache  # noqa: E402
from inspector.peer import ReferencePeer  # noqa: E402

OVERHEAD_AIM = 1.2
CONCURRENCY_AIM = 2.0


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def overhead(iterations: int) -> float:
    with ReferencePeer("spec") as peer:
        url = f"{peer.base_url}/.well-known/ocm"
        context = ssl.create_default_context()

        def bare_get() -> object:
            with httpx.Client(verify=context) as client:
                return client.get(url, headers={"Accept": "application/json"}).json()

        def one_path() -> object:
            return discover(peer.base_url, compare_paths=False)

        def one_path_cold() -> object:
            # As for a document never seen before: schema findings are remembered per document.
            clear_cache()
            return discover(peer.base_url, compare_paths=False)

        def full() -> object:
            return discover(peer.base_url)

        sides = [("bare", bare_get), ("one", one_path), ("cold", one_path_cold), ("full", full)]
        for _ in range(30):
            for _, action in sides:
                action()
        times: dict[str, list[float]] = {name: [] for name, _ in sides}
        for index in range(iterations):
            # Alternate the order so drift in the machine's load hits every side alike.
            for name, action in sides if index % 2 else reversed(sides):
                times[name].append(_timed(action))

    ms = {name: statistics.median(values) * 1000 for name, values in times.items()}
    ratio, cold_ratio = ms["one"] / ms["bare"], ms["cold"] / ms["bare"]
    print("1. Inspector overhead for one discovery (spec peer, loopback HTTP)")
    print(f"   bare httpx GET + JSON            {ms['bare']:7.2f} ms   (median of {iterations})")
    print(f"   discover(), well-known path only {ms['one']:7.2f} ms   ratio {ratio:.2f}x")
    print(f"     same, document not seen before {ms['cold']:7.2f} ms   ratio {cold_ratio:.2f}x")
    print(f"   discover(), with legacy paths    {ms['full']:7.2f} ms   (3 requests; information)")
    print(f"   aim <= {OVERHEAD_AIM}x: {'met' if ratio <= OVERHEAD_AIM else 'NOT met'}")
    return ratio


def concurrency(count: int, delay: float) -> float:
    peers = [ReferencePeer("spec", delay=delay).start() for _ in range(count)]
    try:
        urls = [peer.base_url for peer in peers]
        discover(urls[0])  # warm up imports and the TLS context cache
        single = _timed(lambda: discover(urls[0]))
        results: list = []
        many = _timed(lambda: results.extend(discover_many(urls)))
    finally:
        for peer in peers:
            peer.stop()

    failed = [r.target for r in results if r.document is None]
    ratio = many / single
    print(f"\n2. Checking {count} peers that answer after {delay * 1000:.0f} ms each")
    print(f"   one peer      {single * 1000:7.0f} ms   (3 requests: well-known and legacy paths)")
    print(f"   {count} peers     {many * 1000:7.0f} ms   ratio {ratio:.2f}x")
    if failed:
        print(f"   {len(failed)} discoveries failed, e.g. {failed[0]}")
    print(f"   aim <= {CONCURRENCY_AIM}x: {'met' if ratio <= CONCURRENCY_AIM else 'NOT met'}")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300, help="overhead samples per side")
    parser.add_argument("--peers", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds each peer waits")
    args = parser.parse_args()

    started = time.perf_counter()
    overhead(args.iterations)
    concurrency(args.peers, args.delay)
    print(f"\n(benchmark took {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
