"""povlink: one register of persons and households from the poverty lists of a city's agencies."""

from povlink.exceptions import (
    ConfigError,
    DataQualityWarning,
    InvalidNikError,
    LinkageError,
    MissingDependencyError,
    NotFittedError,
    PovlinkError,
    RegistryError,
    SourceError,
    UnknownRecordError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataQualityWarning",
    "InvalidNikError",
    "LinkageError",
    "MissingDependencyError",
    "NotFittedError",
    "PovlinkError",
    "RegistryError",
    "SourceError",
    "UnknownRecordError",
    "__version__",
]
