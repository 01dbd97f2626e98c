"""The recsvc exception hierarchy; every message says what to fix.

::

    RecsvcError
    ├── DataSourceError            a source cannot be opened or read (file, folder, database)
    ├── DataContractError          a table or required column is missing, a file is unreadable
    ├── DataValidationError        too many bad rows to trust the data; nothing downstream runs
    ├── EventStoreError            the event store cannot be opened, read or written
    ├── BundleError
    │   ├── BundleNotFoundError    no bundle where one was expected
    │   ├── BundleIntegrityError   checksum mismatch, missing or truncated file
    │   └── BundleSchemaError      bundle written by an incompatible schema version
    ├── UnknownContentError        a content id that the bundle does not know
    ├── UnknownEmployeeError       an employee id the bundle does not know, where one is needed
    ├── UnknownRoleError           a role id that the bundle does not know
    └── UnknownSkillError          a skill id that the bundle does not know
"""

from __future__ import annotations

__all__ = [
    "BundleError",
    "BundleIntegrityError",
    "BundleNotFoundError",
    "BundleSchemaError",
    "DataContractError",
    "DataSourceError",
    "DataValidationError",
    "EventStoreError",
    "RecsvcError",
    "UnknownContentError",
    "UnknownEmployeeError",
    "UnknownRoleError",
    "UnknownSkillError",
]


class RecsvcError(Exception):
    """Base class of every error recsvc raises on purpose."""


class DataSourceError(RecsvcError):
    """A data source cannot be opened or read."""


class DataContractError(RecsvcError):
    """Input breaks the data contract in a way no row-level fix can repair."""


class DataValidationError(RecsvcError):
    """Too many bad rows to trust the result; training stops and writes nothing."""


class EventStoreError(RecsvcError):
    """The event store (RECSVC_EVENTS_URL) cannot be opened, read or written."""


class BundleError(RecsvcError):
    """A model bundle cannot be used."""


class BundleNotFoundError(BundleError):
    """No bundle where one was expected."""


class BundleIntegrityError(BundleError):
    """A bundle file is missing, truncated or does not match its checksum."""


class BundleSchemaError(BundleError):
    """A bundle was written with a schema version this code cannot read."""


class UnknownContentError(RecsvcError):
    """A content id the loaded bundle does not know."""


class UnknownRoleError(RecsvcError):
    """A role id the loaded bundle does not know."""


class UnknownEmployeeError(RecsvcError):
    """An employee id the loaded bundle does not know, where no fallback makes sense."""


class UnknownSkillError(RecsvcError):
    """A skill id the loaded bundle does not know."""
