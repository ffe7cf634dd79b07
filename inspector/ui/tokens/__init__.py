"""The Tokens page: decode a token, explain its claims, verify it against a server's keys."""

from inspector.ui.tokens.page import TokensPage

__all__ = ["TokensPage"]
