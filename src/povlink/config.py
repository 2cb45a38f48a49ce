"""The project file: which agency lists to read and how they map onto the canonical fields.

A project file is TOML (see ``docs/architecture.md``)::

    registry = "registry.duckdb"          # relative to this file

    [[source]]
    name = "dinsos_dtks"
    path = "sources/dtks.csv"
    id_column = "ID_ART"
    agency = "Dinas Sosial"
    program = "PKH"
    [source.columns]
    nik = "NIK"
    full_name = ["NAMA_DEPAN", "NAMA_BELAKANG"]   # a list: join the columns with a space
    [source.options]
    encoding = "latin-1"

Optional tables: ``regions = "wilayah.csv"`` (another city's region codes), ``[linkage]``
(``threshold``, ``seed``), ``[engine]`` (``memory_limit``, ``temp_directory``, ``threads``) and
``[report]`` (``reference_source``). Every problem in a file is reported at once, each naming the
file, the source and the key, so a user can fix the file in one pass.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from povlink.exceptions import ConfigError
from povlink.schema import CANONICAL_FIELDS

__all__ = [
    "EngineSettings",
    "LinkageSettings",
    "ProjectConfig",
    "ReportSettings",
    "Source",
    "SourceOptions",
    "load_project",
]

SOURCE_NAME = re.compile(r"[a-z][a-z0-9_]*")
SUPPORTED_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".xlsx", ".jsonl", ".ndjson")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceOptions(_Model):
    """How to read a file: its text encoding, delimiter, worksheet and date order."""

    encoding: str = Field("utf-8", description="Text encoding of a csv/tsv file, e.g. latin-1")
    delimiter: str | None = Field(None, description="Field delimiter; sniffed when not given")
    sheet: str | int | None = Field(None, description="Worksheet name or 0-based index (xlsx)")
    date_order: Literal["dmy", "mdy", "ymd"] = Field(
        "dmy", description="How to read ambiguous dates such as 05/04/1990"
    )


class Source(_Model):
    """One agency list: where it is, which column identifies a record, and the column mapping."""

    name: str = Field(description="Short name, [a-z][a-z0-9_]*; prefixes every record_id")
    path: Path | None = Field(None, description="The file; None for a DataFrame given in Python")
    id_column: str = Field(description="Column holding the agency's own record id")
    agency: str | None = Field(None, description="The agency (OPD) that keeps the list")
    program: str | None = Field(None, description="Program(s) the list serves, e.g. 'PKH, BPNT'")
    columns: dict[str, str | list[str]] = Field(
        default_factory=dict, description="Canonical field to column (or columns joined by space)"
    )
    options: SourceOptions = Field(default_factory=SourceOptions)

    @field_validator("name")
    @classmethod
    def _name_is_an_identifier(cls, value: str) -> str:
        if not SOURCE_NAME.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a valid source name: use lowercase letters, digits and "
                "underscores, starting with a letter (e.g. 'dinsos_dtks')"
            )
        return value

    @field_validator("columns")
    @classmethod
    def _fields_are_canonical(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        problems = []
        for canonical, column in value.items():
            if canonical not in CANONICAL_FIELDS:
                problems.append(_unknown_field_message(canonical))
            if isinstance(column, list) and not column:
                problems.append(f"{canonical!r} maps to an empty list of columns")
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("path")
    @classmethod
    def _suffix_is_supported(cls, value: Path | None) -> Path | None:
        if value is not None and value.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise ValueError(
                f"cannot tell the format of {str(value)!r} from its suffix; "
                f"use one of {', '.join(SUPPORTED_SUFFIXES)}"
            )
        return value

    def mapped_columns(self) -> dict[str, list[str]]:
        """Canonical field to the list of file columns that make it up."""
        return {f: [c] if isinstance(c, str) else list(c) for f, c in self.columns.items()}

    def programs(self) -> list[str]:
        """The programs this list serves, split on commas and slashes."""
        if not self.program:
            return []
        return [p.strip() for p in re.split(r"[,/;]", self.program) if p.strip()]


class LinkageSettings(_Model):
    """How persons are linked: the match threshold and the training seed."""

    threshold: float | None = Field(
        None, gt=0, lt=1, description="Match probability at which two records are one person"
    )
    seed: int = Field(42, description="Seed for random sampling during training")


class EngineSettings(_Model):
    """Resources the embedded engine may use; spill to ``temp_directory`` beyond the limit."""

    memory_limit: str | None = Field(
        None, description="e.g. '4GiB'; shared by the registry and the linkage workspace"
    )
    temp_directory: Path | None = Field(None, description="Where to spill; relative to the file")
    threads: int | None = Field(None, ge=1, description="Worker threads; default all cores")

    @field_validator("memory_limit")
    @classmethod
    def _limit_is_a_size(cls, value: str | None) -> str | None:
        if value is not None:
            memory_limit_bytes(value)
        return value

    def share_of_memory(self, parts: int) -> str | None:
        """The memory limit split evenly between ``parts`` engines, in bytes (DuckDB's form)."""
        if self.memory_limit is None:
            return None
        return f"{memory_limit_bytes(self.memory_limit) // parts}B"


class ReportSettings(_Model):
    """Options of the integration report."""

    reference_source: str | None = Field(
        None, description="The national register list (DTKS); default: a source named '*dtks*'"
    )


class ProjectConfig(_Model):
    """A whole project: the registry file and the agency lists that feed it."""

    registry: Path = Field(Path("registry.duckdb"), description="The registry (DuckDB) file")
    sources: list[Source] = Field(default_factory=list, alias="source")
    regions: Path | None = Field(None, description="Region code table; default Kota Semarang")
    linkage: LinkageSettings = Field(default_factory=LinkageSettings)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    config_path: Path | None = Field(None, exclude=True, description="Where this was read from")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def source(self, name: str) -> Source:
        """The source called ``name``."""
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r}; the project has: {known}")

    @classmethod
    def from_toml(cls, path: str | Path) -> Self:
        """Read and check a project file; see :func:`load_project`."""
        return cls._from_mapping(_read_toml(Path(path)), Path(path))

    @classmethod
    def _from_mapping(cls, data: Mapping[str, Any], path: Path) -> Self:
        problems = _structural_problems(data, path)
        try:
            config = cls.model_validate(data)
        except ValidationError as err:
            problems.extend(_describe_validation_error(err, data, path))
            raise ConfigError(_join(path, problems), problems) from None
        if problems:
            raise ConfigError(_join(path, problems), problems)
        return config._resolved_against(path)

    def _resolved_against(self, path: Path) -> Self:
        base = path.resolve().parent

        def resolve(p: Path | None) -> Path | None:
            return None if p is None else (p if p.is_absolute() else base / p)

        sources = [s.model_copy(update={"path": resolve(s.path)}) for s in self.sources]
        engine = self.engine.model_copy(
            update={"temp_directory": resolve(self.engine.temp_directory)}
        )
        return self.model_copy(
            update={
                "registry": resolve(self.registry),
                "regions": resolve(self.regions),
                "sources": sources,
                "engine": engine,
                "config_path": path.resolve(),
            }
        )


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}  # fmt: skip


def memory_limit_bytes(text: str) -> int:
    """Bytes in a size such as ``"4GiB"``, ``"512MB"`` or ``"2.5GB"``.

    >>> memory_limit_bytes("4GiB")
    4294967296
    """
    found = _SIZE.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not a memory size; write it like '4GiB' or '512MB'")
    unit = (found.group(2) or "B").lower()
    return int(float(found.group(1)) * _UNITS[unit])


def load_project(path: str | Path) -> ProjectConfig:
    """Read a project file, resolve its paths against its folder and check it.

    Raises :class:`ConfigError` listing every problem (each naming the file, source and key).
    """
    return ProjectConfig.from_toml(path)


# -- error reporting ----------------------------------------------------------------------------
def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"project file {path} not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read project file {path}: {err}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None


def _unknown_field_message(name: str) -> str:
    close = difflib.get_close_matches(name, CANONICAL_FIELDS, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    if hint:
        return f"unknown canonical field {name!r}{hint}"
    return f"unknown canonical field {name!r}; the fields are: {', '.join(CANONICAL_FIELDS)}"


def _source_label(data: Mapping[str, Any], index: int) -> str:
    sources = data.get("source")
    if isinstance(sources, list) and index < len(sources) and isinstance(sources[index], dict):
        name = sources[index].get("name")
        if isinstance(name, str):
            return f"source {name!r}"
    return f"source #{index + 1}"


def _structural_problems(data: Mapping[str, Any], path: Path) -> list[str]:
    """Problems pydantic cannot see field by field: duplicate names and missing files."""
    problems: list[str] = []
    sources = data.get("source", [])
    if not isinstance(sources, list):
        return problems
    seen: set[str] = set()
    base = path.resolve().parent
    for i, s in enumerate(sources):
        if not isinstance(s, dict):
            continue
        name = s.get("name")
        if isinstance(name, str):
            if name in seen:
                problems.append(f"source {name!r}: key 'name': two sources are named {name!r}")
            seen.add(name)
        columns = s.get("columns")
        if isinstance(columns, dict):
            for canonical in columns:
                if canonical not in CANONICAL_FIELDS:
                    problems.append(
                        f"{_source_label(data, i)}: key 'columns.{canonical}': "
                        + _unknown_field_message(canonical)
                    )
        raw_path = s.get("path")
        if isinstance(raw_path, str):
            full = Path(raw_path) if Path(raw_path).is_absolute() else base / raw_path
            if not full.exists():
                problems.append(
                    f"{_source_label(data, i)}: key 'path': file {raw_path!r} not found "
                    f"(looked for {full})"
                )
        elif "path" not in s:
            problems.append(f"{_source_label(data, i)}: key 'path' is required")
    return problems


def _describe_validation_error(
    err: ValidationError, data: Mapping[str, Any], path: Path
) -> list[str]:
    problems = []
    for e in err.errors():
        loc = list(e["loc"])
        where = ""
        if loc and loc[0] == "source" and len(loc) > 1 and isinstance(loc[1], int):
            where = _source_label(data, loc[1]) + ": "
            loc = loc[2:]
        if (e["type"] == "missing" and loc == ["path"]) or (
            loc == ["columns"] and "unknown canonical field" in e["msg"]
        ):
            continue  # reported by _structural_problems with more context
        key = ".".join(str(p) for p in loc) or "(top level)"
        message = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            message = "unknown key"
            if loc and loc[-1] == "sources":
                message += "; sources are written as [[source]] tables"
        problems.append(f"{where}key {key!r}: {message}")
    return problems


def _join(path: Path, problems: list[str]) -> str:
    if len(problems) == 1:
        return f"{path}: {problems[0]}"
    lines = "\n".join(f"  - {p}" for p in problems)
    return f"{path}: {len(problems)} problems:\n{lines}"
