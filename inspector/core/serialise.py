"""One serialisation path for result objects: what ``--json`` prints and what exports contain."""

from __future__ import annotations

import dataclasses
from enum import Enum
from pathlib import Path
from typing import Any

from inspector.core.secret import Secret


def to_jsonable(value: Any) -> Any:
    """Turn a result object into JSON-compatible data.

    Objects with a ``to_dict()`` decide their own form; other dataclasses are converted field by
    field. A ``Secret`` is always redacted.
    """
    if isinstance(value, Secret):
        return str(value)
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return to_jsonable(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value
