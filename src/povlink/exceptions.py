"""Errors and warnings raised by povlink.

Every error povlink raises on purpose is a :class:`PovlinkError`, and each one also inherits the
builtin exception a caller would naturally catch::

    PovlinkError (Exception)
    ├── ConfigError (ValueError)            the project file or a config object is wrong
    ├── SourceError (ValueError)            an agency list cannot be read as described
    ├── InvalidNikError (ValueError)        a value is not a valid NIK (``parse_nik``)
    ├── RegistryError (RuntimeError)        the registry file is corrupt, too new, or inconsistent
    ├── NotFittedError (AttributeError)     a linkage model is used before it was trained
    ├── LinkageError (RuntimeError)         the sources cannot be linked as configured
    ├── UnknownRecordError (KeyError)       a record or person ID is not in the registry
    └── MissingDependencyError (ImportError) an optional dependency (e.g. pyspark) is not installed

Data problems that do not stop a run are quality flags in the data plus a
:class:`DataQualityWarning`, never exceptions.
"""

from __future__ import annotations


class PovlinkError(Exception):
    """Root of every error povlink raises on purpose."""


class ConfigError(PovlinkError, ValueError):
    """The project file (or a config object built in Python) is invalid.

    ``problems`` holds every problem found, so that a user can fix the file in one pass.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = problems if problems is not None else [message]


class SourceError(PovlinkError, ValueError):
    """An agency list cannot be read as its config describes (missing file, column, bad id...)."""


class InvalidNikError(PovlinkError, ValueError):
    """A value is not a valid NIK; the message says which rule it breaks."""


class RegistryError(PovlinkError, RuntimeError):
    """The registry file cannot be used: corrupt, written by a newer povlink, or inconsistent."""


class NotFittedError(PovlinkError, AttributeError):
    """A linkage model was used before it was trained or loaded."""


class LinkageError(PovlinkError, RuntimeError):
    """The sources cannot be linked as configured (for example, no field that can link)."""


class UnknownRecordError(PovlinkError, KeyError):
    """A record ID or person ID was asked for that the registry does not hold."""

    def __str__(self) -> str:
        # KeyError quotes its argument; a message reads better unquoted.
        return str(self.args[0]) if self.args else ""


class MissingDependencyError(PovlinkError, ImportError):
    """An optional dependency needed for this feature is not installed."""


class DataQualityWarning(UserWarning):
    """Data problems that do not stop a run (an empty source, a mapped field with no values)."""
