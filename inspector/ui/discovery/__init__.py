"""The Discovery page, Check all and Compare: OCM discovery documents shown and judged."""

from inspector.ui.discovery.page import DiscoveryPage

__all__ = ["DiscoveryPage"]
