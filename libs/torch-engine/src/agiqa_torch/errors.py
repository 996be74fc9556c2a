"""The one error type the engine reports: a code from libs/contracts ERROR_CODES, a message that says
what to fix, and the spec field it is about. The command line prints it as an `error` event."""

from __future__ import annotations


class EngineError(Exception):
    def __init__(self, code: str, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.path = path
