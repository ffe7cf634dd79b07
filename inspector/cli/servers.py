"""``ocm-inspector servers``: the saved server list, shared with the GUI."""

from __future__ import annotations

import argparse

from inspector.cli.output import print_json, print_table
from inspector.core.store import ServerStore


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("servers", help="list, add, rename or remove saved servers")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="show the saved servers")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=_list)

    add = actions.add_parser("add", help="save a server given as URL, host[:port] or OCM address")
    add.add_argument("target")
    add.add_argument("--name", help="display name (default: the host)")
    add.add_argument(
        "--insecure", action="store_true", help="do not verify TLS certificates for this server"
    )
    add.add_argument("--ca-bundle", metavar="FILE", help="extra CA certificates (PEM) to trust")
    add.add_argument("--json", action="store_true", help="print the saved entry as JSON")
    add.set_defaults(func=_add)

    rename = actions.add_parser("rename", help="change a server's display name")
    rename.add_argument("ref", metavar="ID", help="id or unique name")
    rename.add_argument("name", metavar="NAME")
    rename.set_defaults(func=_rename)

    remove = actions.add_parser("remove", help="forget a server")
    remove.add_argument("ref", metavar="ID", help="id or unique name")
    remove.set_defaults(func=_remove)


def _store() -> ServerStore:
    # A list that cannot be read is moved aside by the store, which logs a warning naming the backup.
    return ServerStore()


def _list(args: argparse.Namespace) -> int:
    servers = _store().servers
    if args.json:
        print_json(servers)
        return 0
    if not servers:
        print("No saved servers. Add one with: ocm-inspector servers add cloud.example.org")
        return 0
    rows = [
        [
            s.id,
            s.name,
            s.target,
            "verify" if s.verify_tls else "NOT VERIFIED",
            s.last_status or "-",
        ]
        for s in servers
    ]
    print_table(["ID", "NAME", "TARGET", "TLS", "LAST"], rows)
    return 0


def _add(args: argparse.Namespace) -> int:
    server = _store().add(
        args.target, name=args.name, verify_tls=not args.insecure, ca_bundle=args.ca_bundle
    )
    if args.json:
        print_json(server)
    else:
        print(f"Added {server.name} ({server.base_url}) as {server.id}")
        if not server.verify_tls:
            print("warning: TLS certificates of this server will not be verified")
    return 0


def _rename(args: argparse.Namespace) -> int:
    server = _store().rename(args.ref, args.name)
    print(f"Renamed {server.id} to {server.name}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    server = _store().remove(args.ref)
    print(f"Removed {server.name} ({server.id})")
    return 0
