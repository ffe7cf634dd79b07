"""Verify 10,000 tokens through the inspector's core and through bare PyJWT; print the ratio.

Both sides get the same pre-signed tokens and an already parsed key, so the ratio is the cost of
what the inspector adds: decoding for display, time claims, key selection, checks and warnings.
Aim: at most 1.3x. Run with ``python benchmarks/jwt.py [COUNT]`` (default 10,000).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

# This script is named like the library it measures; run as a file, its own folder would come
# first on the import path and "import jwt" would import the script itself.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import jwt  # noqa: E402

from inspector.core.jose import inspect_token  # noqa: E402
from inspector.core.jwks import KeySource  # noqa: E402
from inspector.core.keys import generate_key, jwks  # noqa: E402

AIM = 1.3
ALGORITHMS = (("ed25519", "EdDSA"), ("p256", "ES256"), ("rsa2048", "RS256"))


def make_tokens(kind: str, count: int) -> tuple[list[str], object, KeySource]:
    key = generate_key(kind, kid=f"bench-{kind}")
    now = int(time.time())
    tokens = [
        jwt.encode(
            {
                "iss": "https://cloud.example.org",
                "sub": f"user{i}",
                "aud": "alice@other.example.org",
                "client_id": "other.example.org",
                "iat": now,
                "exp": now + 3600,
                "jti": f"token-{i}",
            },
            key.private_key,
            algorithm=key.alg,
            headers={"kid": key.kid, "typ": "at+jwt"},
        )
        for i in range(count)
    ]
    # Two more keys in the set, as a server mid-rotation publishes them.
    source = KeySource.from_jwks(jwks(generate_key("p256", "old"), key, generate_key(kind, "new")))
    return tokens, key.public_key, source


def time_pyjwt(tokens: list[str], public_key: object, alg: str) -> float:
    start = time.perf_counter()
    for token in tokens:
        jwt.decode(
            token, public_key, algorithms=[alg], audience="alice@other.example.org", leeway=60
        )
    return time.perf_counter() - start


def time_inspector(tokens: list[str], source: KeySource) -> float:
    start = time.perf_counter()
    for token in tokens:
        report = inspect_token(token, key_source=source, expect_audience="alice@other.example.org")
        if report.signature.status != "valid":
            raise SystemExit(f"benchmark token did not verify: {report.signature.reason}")
    return time.perf_counter() - start


def main(count: int = 10_000) -> int:
    worst = 0.0
    print(f"verifying {count:,} tokens per algorithm")
    for kind, alg in ALGORITHMS:
        tokens, public_key, source = make_tokens(kind, count)
        # Warm both paths once (imports, caches) before measuring.
        time_pyjwt(tokens[:50], public_key, alg)
        time_inspector(tokens[:50], source)
        # Best of three rounds each, interleaved, so a noisy neighbour affects both sides alike.
        bare = inspector = float("inf")
        for _ in range(3):
            bare = min(bare, time_pyjwt(tokens, public_key, alg))
            inspector = min(inspector, time_inspector(tokens, source))
        ratio = inspector / bare
        worst = max(worst, ratio)
        print(
            f"{alg:6}  PyJWT {bare * 1e6 / count:7.1f} us/token   inspector "
            f"{inspector * 1e6 / count:7.1f} us/token   ratio {ratio:.2f}x"
        )
    verdict = "within" if worst <= AIM else "OVER"
    print(f"worst ratio {worst:.2f}x ({verdict} the {AIM}x aim)")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
