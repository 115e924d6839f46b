"""One error tree: every error a user can cause or meet maps to one exit code at the CLI.

    TriagewiseError                    (never raised itself; `str()` is one clear sentence)
    ├── ConfigError                    2  the config, a variable it names, a command-line value
    │   └── SemanticUnavailable        2  the semantic extra the config asks for is missing
    │                                     (semantic/embed.py: it belongs to that backend)
    ├── StoreError                     2  the store cannot be used (newer schema, corrupt)
    │   ├── LockedError                2  another sync or apply holds the store   (retriable)
    │   ├── StoreUnreachableError      2  the PostgreSQL store cannot be reached  (retriable)
    │   └── CorruptJournalError        2  the apply journal does not match its changes
    ├── NotFoundError                  2  a repository, project or issue is not there
    ├── UnsafePlanError                2  the plan relabels too much; --force overrides
    ├── ChangedPlanError               2  the plan is not the one reviewed        (retriable)
    ├── ProtocolError                  2  the tracker answered outside its API's contract
    ├── RefusedWriteError              1  the tracker refused one write; the run goes on
    ├── AuthError                      3  credentials or permission refused
    └── UnreachableError               4  unreachable after bounded retries       (retriable)
        └── RateLimitedError           4  asked to wait past the wait budget      (retriable)

`exit_code` and `retriable` are class properties: retriable errors may succeed when the same
command runs again later unchanged; fatal ones need a person to change something first.
"""

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
    retriable: bool = False


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
    retriable = True


class RateLimitedError(UnreachableError):
    """The tracker asked us to wait longer than the configured wait budget allows."""


class LockedError(StoreError):
    """Another sync or apply holds the store's lock. Retriable: run again once it finished."""

    retriable = True


class StoreUnreachableError(StoreError):
    """The PostgreSQL store cannot be reached, or its connection was lost. Retriable: nothing
    committed is lost, and the same command goes on once the server answers."""

    retriable = True


class CorruptJournalError(StoreError):
    """The apply journal does not match the changes it records; nothing is sent."""


class UnsafePlanError(TriagewiseError):
    """The plan would relabel more than `writeback.max_change_share`; `--force` overrides."""

    exit_code = ExitCode.USAGE


class ChangedPlanError(TriagewiseError):
    """The plan's checksum is not the one reviewed (`apply --checksum`); plan again."""

    exit_code = ExitCode.USAGE
    retriable = True


class RefusedWriteError(TriagewiseError):
    """The tracker refused one write (a partial rank, a GraphQL error). The apply step records
    it against that change and goes on; the run ends with exit 1."""

    exit_code = ExitCode.PARTIAL


class ProtocolError(TriagewiseError):
    """The tracker answered in a shape its API does not allow (an issue without a key, a
    board that is not there, an answer it should not give)."""

    exit_code = ExitCode.USAGE
