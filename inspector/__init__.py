"""ocm-inspector: see why Open Cloud Mesh federation between two servers fails."""

__version__ = "0.1.0"
APP_NAME = "ocm-inspector"
