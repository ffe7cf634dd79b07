"""The saved servers: one JSON file under the config folder, shared by the GUI and the CLI.

Writes are atomic (a temporary file in the same folder, then ``os.replace``). Every change reloads
the file first, so a GUI and a CLI working on the same list do not undo each other. A file that
cannot be read is moved aside as a timestamped backup and the list starts empty; the caller is told
through ``ServerStore.recovered_from``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inspector.core.config import config_dir
from inspector.core.errors import ConfigError, InvalidTarget
from inspector.core.targets import Target, parse_target

log = logging.getLogger(__name__)

FILE_NAME = "servers.json"
FORMAT_VERSION = 1


@dataclass
class Server:
    """A remote OCM server the user keeps in their list."""

    id: str
    name: str
    target: str
    verify_tls: bool = True
    ca_bundle: str | None = None
    added_at: str = ""
    last_status: str | None = None
    last_checked: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def parsed(self) -> Target:
        return parse_target(self.target)

    @property
    def base_url(self) -> str:
        return self.parsed.base_url()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Server:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        if not isinstance(values.get("id"), str) or not isinstance(values.get("target"), str):
            raise ValueError("entry lacks an id or target")
        values.setdefault("name", values["target"])
        return cls(**values)


class ServerStore:
    """Load, change and save the server list."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / FILE_NAME
        self.recovered_from: Path | None = None
        self.servers: list[Server] = []
        self.reload()

    def reload(self) -> list[Server]:
        """Read the file again. A corrupt file is moved aside (see ``recovered_from``)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self.servers = []
            return self.servers
        except OSError as exc:
            raise ConfigError(f"Cannot read {self.path}: {exc.strerror or exc}") from None

        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or not isinstance(data.get("servers"), list):
                raise ValueError("expected an object with a 'servers' list")
            servers = [Server.from_dict(item) for item in data["servers"]]
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            backup = self._move_aside()
            self.recovered_from = backup
            log.warning("%s could not be read (%s); kept it as %s", self.path, exc, backup)
            self.servers = []
            return self.servers

        self.servers = servers
        return self.servers

    def _move_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while backup.exists():
            backup = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
            counter += 1
        os.replace(self.path, backup)
        return backup

    def save(self) -> None:
        """Write the list atomically."""
        payload = {"version": FORMAT_VERSION, "servers": [s.to_dict() for s in self.servers]}
        data = json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
        import tempfile

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".servers-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise ConfigError(f"Cannot save {self.path}: {exc.strerror or exc}") from None

    def find(self, ref: str) -> Server:
        """A server by id, or by a name that matches exactly one server (case-insensitive)."""
        for server in self.servers:
            if server.id == ref:
                return server
        matches = [s for s in self.servers if s.name.casefold() == ref.casefold()]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            ids = ", ".join(s.id for s in matches)
            raise ConfigError(f"{len(matches)} servers are named {ref!r}; use an id ({ids})")
        raise ConfigError(f"No saved server has the id or name {ref!r}; see 'servers list'")

    def add(
        self,
        target: str,
        *,
        name: str | None = None,
        verify_tls: bool = True,
        ca_bundle: str | None = None,
    ) -> Server:
        """Add a server. Raises ``InvalidTarget`` or ``ConfigError`` (duplicate, bad CA file)."""
        parsed = parse_target(target)
        self.reload()
        for existing in self.servers:
            try:
                same = existing.parsed.base_url() == parsed.base_url()
            except InvalidTarget:
                continue
            if same and existing.parsed.identifier == parsed.identifier:
                raise ConfigError(f"{parsed.display} is already saved as {existing.name!r}")
        if ca_bundle:
            ca_bundle = _check_ca_bundle(ca_bundle)
        server = Server(
            id=os.urandom(4).hex(),
            name=(name or "").strip() or parsed.display,
            target=target.strip(),
            verify_tls=verify_tls,
            ca_bundle=ca_bundle,
            added_at=_now(),
        )
        self.servers.append(server)
        self.save()
        log.info("added server %s (%s)", server.name, server.target)
        return server

    def rename(self, ref: str, name: str) -> Server:
        name = name.strip()
        if not name:
            raise ConfigError("A server name cannot be empty")
        return self.update(ref, name=name)

    def update(self, ref: str, **changes: Any) -> Server:
        """Change fields of one server and save."""
        self.reload()
        server = self.find(ref)
        if "target" in changes:
            changes["target"] = parse_target(changes["target"]).text.strip()
        if changes.get("ca_bundle"):
            changes["ca_bundle"] = _check_ca_bundle(changes["ca_bundle"])
        for key, value in changes.items():
            if key in ("id", "added_at") or not hasattr(server, key):
                raise ConfigError(f"Unknown server field {key!r}")
            setattr(server, key, value)
        self.save()
        return server

    def remove(self, ref: str) -> Server:
        self.reload()
        server = self.find(ref)
        self.servers.remove(server)
        self.save()
        log.info("removed server %s", server.name)
        return server


def _check_ca_bundle(path: str) -> str:
    resolved = Path(path).expanduser()
    if not resolved.is_file():
        raise ConfigError(f"CA bundle {path} does not exist or is not a file")
    return str(resolved.resolve())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
