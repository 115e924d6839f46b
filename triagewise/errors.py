"""One error tree: every error a user can cause or meet maps to one exit code at the CLI."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    PARTIAL = 1  # finished, but some writes failed
    USAGE = 2  # usage or configuration error
    AUTH = 3  # authentication or permission refused
    UNREACHABLE = 4  # tracker unreachable after retries (or wait budget exceeded)


class TriagewiseError(Exception):
    """Root of every error the user can cause or meet; `str()` is one clear sentence."""

    exit_code: ExitCode = ExitCode.USAGE


class ConfigError(TriagewiseError):
    """The config file, an environment variable it names, or a command-line value is wrong."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class StoreError(TriagewiseError):
    """The local store cannot be used (newer schema, locked, corrupt)."""

    exit_code = ExitCode.USAGE


class NotFoundError(TriagewiseError):
    """A repository, project or issue the config names does not exist (or cannot be seen)."""

    exit_code = ExitCode.USAGE


class AuthError(TriagewiseError):
    """The tracker refused the credentials or the permission."""

    exit_code = ExitCode.AUTH


class UnreachableError(TriagewiseError):
    """The tracker could not be reached, or kept failing, after bounded retries."""

    exit_code = ExitCode.UNREACHABLE


class RateLimitedError(UnreachableError):
    """The tracker asked us to wait longer than the configured wait budget allows."""
