"""povlink: one register of persons and households from the poverty lists of a city's agencies.

Start with :class:`Project` (a project file and its registry); :func:`standardise_record` and
:func:`parse_nik` serve single records; :func:`generate_city` writes a synthetic city to try it on.
"""

from povlink._version import __version__
from povlink.config import ProjectConfig, Source, SourceOptions, load_project
from povlink.evaluate import Scores, evaluate_clusters
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
from povlink.linkage import LinkageModel
from povlink.project import Evaluation, PersonHistory, Project, Resolution
from povlink.report import IntegrationReport
from povlink.resolve import ResolveSummary
from povlink.standardise import (
    QUALITY_FLAGS,
    NikInfo,
    RegionTable,
    load_regions,
    parse_nik,
    standardise_record,
    standardise_table,
)
from povlink.synth import DamageRates, SynthCity, generate_city

__all__ = [
    "QUALITY_FLAGS",
    "ConfigError",
    "DamageRates",
    "DataQualityWarning",
    "Evaluation",
    "IntegrationReport",
    "InvalidNikError",
    "LinkageError",
    "LinkageModel",
    "MissingDependencyError",
    "NikInfo",
    "NotFittedError",
    "PersonHistory",
    "PovlinkError",
    "Project",
    "ProjectConfig",
    "RegionTable",
    "RegistryError",
    "Resolution",
    "ResolveSummary",
    "Scores",
    "Source",
    "SourceError",
    "SourceOptions",
    "SynthCity",
    "UnknownRecordError",
    "__version__",
    "evaluate_clusters",
    "generate_city",
    "load_project",
    "load_regions",
    "parse_nik",
    "standardise_record",
    "standardise_table",
]
