"""The demo share every peer offers: a folder with two files, owned by alice."""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass, field

OWNER_ID = "alice"
RECIPIENT_ID = "bob"

_ALPHANUMERIC = string.ascii_letters + string.digits


def random_alphanumeric(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


@dataclass(frozen=True)
class DemoFile:
    """A file inside the demo share; ``etag`` and size come from its content."""

    name: str
    content: bytes = field(repr=False)
    media_type: str

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.content).hexdigest()[:20] + '"'


DEMO_FILES = (
    DemoFile(
        "welcome.txt",
        b"Welcome to the ocm-inspector reference peer.\n"
        b"If you can read this over WebDAV, the share works.\n",
        "text/plain",
    ),
    DemoFile(
        "report.pdf",
        b"%PDF-1.4\n% ocm-inspector demo placeholder, not a real report\n" + b"0" * 2000,
        "application/pdf",
    ),
)


@dataclass(frozen=True)
class DemoShare:
    """The share a receiver can reach: its secret, where it lives, and who shares it with whom.

    ``secret`` is the OCM ``sharedSecret``. It is handed out on purpose (the demo needs it), but
    kept out of the repr so that it does not end up in logs by accident.
    """

    secret: str = field(repr=False)
    uri: str
    share_id: str
    owner: str
    share_with: str
    name: str
    resource_type: str
    files: tuple[DemoFile, ...] = field(default=DEMO_FILES, repr=False)

    @property
    def owner_id(self) -> str:
        """The owner's local identifier (``sub`` in issued JWTs)."""
        return self.owner.rpartition("@")[0]

    def file(self, name: str) -> DemoFile | None:
        return next((f for f in self.files if f.name == name), None)

    def to_dict(self) -> dict[str, str]:
        return {
            "secret": self.secret,
            "uri": self.uri,
            "share_id": self.share_id,
            "owner": self.owner,
            "share_with": self.share_with,
            "name": self.name,
            "resource_type": self.resource_type,
        }
