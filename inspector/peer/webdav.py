"""WebDAV ``PROPFIND`` over the demo share: Depth 0 and 1, a 207 Multi-Status in sabre's shape.

Authentication differs per profile and is decided before ``propfind`` is called.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import quote
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from inspector.peer.share import DemoShare
from inspector.peer.wire import HttpProblem, PeerRequest, PeerResponse, text_response

DAV_METHODS = ("PROPFIND", "OPTIONS")
XML_TYPE = "application/xml; charset=utf-8"
_XML_MEDIA = ("application/xml", "text/xml")
_FOLDER_PERMISSIONS = "RGDNVCK"
_FILE_PERMISSIONS = "RGDNVW"


@dataclass(frozen=True)
class DavEntry:
    href: str
    is_collection: bool
    size: int
    etag: str
    modified: float
    permissions: str


def dav_error(
    status: int, message: str, *, headers: Mapping[str, str] | None = None
) -> PeerResponse:
    """An error body as sabre/dav writes it (Nextcloud and ownCloud servers)."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">\n'
        f"  <s:message>{escape(message)}</s:message>\n"
        "</d:error>\n"
    )
    return text_response(status, body, content_type=XML_TYPE, headers=headers)


def options_response() -> PeerResponse:
    return PeerResponse(
        200, [("DAV", "1"), ("Allow", ", ".join(DAV_METHODS)), ("MS-Author-Via", "DAV")]
    )


def parse_depth(request: PeerRequest) -> int:
    """Depth 0 or 1; anything else (including a missing header, which means infinity) is 400."""
    depth = (request.header("depth") or "").strip().lower()
    if depth in ("0", "1"):
        return int(depth)
    shown = depth or "missing (which means infinity)"
    raise HttpProblem(dav_error(400, f"Depth {shown} is not supported; send Depth: 0 or 1"))


def check_propfind_body(request: PeerRequest) -> None:
    """An empty body means allprop; otherwise it must be an XML ``DAV:propfind`` document."""
    if not request.body.strip():
        return
    media = request.content_type
    if media and media not in _XML_MEDIA:
        raise HttpProblem(dav_error(415, f"a PROPFIND body must be XML, not {media}"))
    try:
        root = ElementTree.fromstring(request.body)
    except ElementTree.ParseError as exc:
        raise HttpProblem(
            dav_error(400, f"the PROPFIND body is not well-formed XML: {exc}")
        ) from None
    if root.tag != "{DAV:}propfind":
        raise HttpProblem(dav_error(400, f"expected a DAV:propfind element, got {root.tag}"))


def propfind(
    request: PeerRequest, share: DemoShare, *, href_root: str, inner_path: str, modified: float
) -> PeerResponse:
    """Answer PROPFIND on ``inner_path`` (relative to the share root) with a 207 Multi-Status.

    ``href_root`` is the share folder's URL path, ending in ``/``. 404 for an unknown path.
    """
    depth = parse_depth(request)
    check_propfind_body(request)

    entries = share_entries(share, href_root, modified)
    name = inner_path.strip("/")
    if not name:
        selected = entries if depth == 1 else entries[:1]
    else:
        selected = [e for e in entries[1:] if e.href == href_root + quote(name)]
        if not selected:
            raise HttpProblem(dav_error(404, f"{name} is not in the share"))
    return text_response(207, multistatus(selected), content_type=XML_TYPE)


def share_entries(share: DemoShare, href_root: str, modified: float) -> list[DavEntry]:
    """The share folder followed by its files."""
    files = [
        DavEntry(
            href=href_root + quote(f.name),
            is_collection=False,
            size=len(f.content),
            etag=f.etag,
            modified=modified,
            permissions=_FILE_PERMISSIONS,
        )
        for f in share.files
    ]
    folder_tag = hashlib.sha256("".join(f.etag for f in files).encode()).hexdigest()[:20]
    folder = DavEntry(
        href=href_root,
        is_collection=True,
        size=sum(f.size for f in files),
        etag=f'"{folder_tag}"',
        modified=modified,
        permissions=_FOLDER_PERMISSIONS,
    )
    return [folder, *files]


def multistatus(entries: list[DavEntry]) -> str:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">',
    ]
    for entry in entries:
        resourcetype = "<d:collection/>" if entry.is_collection else ""
        found = [
            f"<d:resourcetype>{resourcetype}</d:resourcetype>",
            f"<d:getetag>{escape(entry.etag)}</d:getetag>",
            f"<d:getlastmodified>{formatdate(entry.modified, usegmt=True)}</d:getlastmodified>",
            f"<oc:permissions>{entry.permissions}</oc:permissions>",
        ]
        if not entry.is_collection:
            found.insert(3, f"<d:getcontentlength>{entry.size}</d:getcontentlength>")
        parts.append(" <d:response>")
        parts.append(f"  <d:href>{escape(entry.href)}</d:href>")
        parts.append(_propstat(found, "200 OK"))
        if entry.is_collection:
            # Like sabre/dav, a folder has no content length: the property is reported missing.
            parts.append(_propstat(["<d:getcontentlength/>"], "404 Not Found"))
        parts.append(" </d:response>")
    parts.append("</d:multistatus>")
    return "\n".join(parts) + "\n"


def _propstat(props: list[str], status: str) -> str:
    inner = "".join(f"\n    {p}" for p in props)
    return (
        f"  <d:propstat>\n   <d:prop>{inner}\n   </d:prop>\n"
        f"   <d:status>HTTP/1.1 {status}</d:status>\n  </d:propstat>"
    )
