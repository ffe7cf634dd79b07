"""A throwaway certificate authority and server certificates for peers started with TLS.

One CA per process signs a leaf certificate per host; both are made once and reused, because
key generation dominates a TLS peer's start-up. The CA is trusted nowhere except where a caller
passes its PEM file (``ReferencePeer.ca_file``) on purpose.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import ipaddress
import os
import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_LOOPBACK_NAMES = ("localhost",)
_LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")
_VALIDITY = datetime.timedelta(days=30)

_lock = threading.Lock()
_authority: _Authority | None = None
_contexts: dict[str, ssl.SSLContext] = {}
_process_ca_file: str | None = None


@dataclass(frozen=True)
class _Authority:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def server_context(host: str) -> ssl.SSLContext:
    """A server-side TLS context whose certificate names ``host`` and the loopback addresses."""
    with _lock:
        context = _contexts.get(host)
        if context is None:
            context = _make_context(_get_authority(), host)
            _contexts[host] = context
        return context


def write_ca_file() -> str:
    """Write the CA certificate to a new temporary PEM file; the caller deletes it."""
    with _lock:
        pem = _get_authority().pem
    handle, path = tempfile.mkstemp(prefix="ocm-peer-ca-", suffix=".pem")
    with os.fdopen(handle, "wb") as out:
        out.write(pem)
    return path


def process_ca_file() -> str | None:
    """The CA as a file that lives as long as the process, once any TLS peer has started.

    Peers use it to fetch keys from other TLS peers of the same process.
    """
    global _process_ca_file
    with _lock:
        if _authority is None:
            return None
        if _process_ca_file is None:
            handle, path = tempfile.mkstemp(prefix="ocm-peer-ca-process-", suffix=".pem")
            with os.fdopen(handle, "wb") as out:
                out.write(_authority.pem)
            _process_ca_file = path
            atexit.register(_remove, path)
        return _process_ca_file


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _get_authority() -> _Authority:
    global _authority
    if _authority is None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ocm-inspector"),
                x509.NameAttribute(NameOID.COMMON_NAME, "ocm-inspector reference peer CA"),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        _authority = _Authority(key, cert)
    return _authority


def _subject_alternative_names(host: str) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for value in (host, *_LOOPBACK_ADDRESSES, *_LOOPBACK_NAMES):
        try:
            entry: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(value))
        except ValueError:
            entry = x509.DNSName(value)
        if entry not in names:
            names.append(entry)
    return names


def _make_context(authority: _Authority, host: str) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(authority.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.SubjectAlternativeName(_subject_alternative_names(host)), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()), False
        )
        .sign(authority.key, hashes.SHA256())
    )

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # ssl can only load a certificate chain from files, so they exist briefly in a private folder.
    with tempfile.TemporaryDirectory(prefix="ocm-peer-tls-") as folder:
        cert_path = Path(folder, "cert.pem")
        key_path = Path(folder, "key.pem")
        cert_path.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM) + authority.pem,
        )
        key_path.touch(mode=0o600)
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context.load_cert_chain(cert_path, key_path)
    return context
