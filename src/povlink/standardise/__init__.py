"""Standardisation of Indonesian identity data, in the engine and for one record.

Each rule is an SQL expression over a column (one module per kind of field); the engine runs them
over a whole table, and :func:`standardise_record` runs the same SQL on one record.

=====================  ================================================================
module                 rule
=====================  ================================================================
``missing``            empty, ``-``, ``0``, ``NULL``, ``belum ada``... are missing values
``identity``           NIK and KK number cleaning and structure (province, date, serial)
``nik`` / ``kk``       NIK birth date, sex and region; :func:`parse_nik`; the KK number
``names``              names, titles, patronym, old spellings, phonetic key
``dates``              birth dates in every written form, birth place
``sex``                sex codes to M/F
``household``          relationship to the head, the agency's household key
``address``            RT/RW, kelurahan/kecamatan to official codes, address text, city
``phone``              mobile numbers
``regions``            the official region table (:func:`load_regions`)
``flags``              every quality flag code and its meaning (:data:`QUALITY_FLAGS`)
``pipeline``           the statements composed from the rules above (a table, one record)
``shared``             the table-level flag ``nik_shared``, a pass of its own
``table``              :func:`standardise_table`
``record``             :func:`standardise_record`: one record, the same rules
``changes``            :func:`standardise_changed`: refresh for the records that changed
=====================  ================================================================
"""

from povlink.standardise.changes import StandardiseChanges, standardise_changed
from povlink.standardise.flags import QUALITY_FLAGS, TABLE_LEVEL_FLAGS
from povlink.standardise.nik import NikInfo, parse_nik
from povlink.standardise.record import standardise_record
from povlink.standardise.regions import RegionRow, RegionTable, load_regions
from povlink.standardise.table import standardise_table

__all__ = [
    "QUALITY_FLAGS",
    "TABLE_LEVEL_FLAGS",
    "NikInfo",
    "RegionRow",
    "RegionTable",
    "StandardiseChanges",
    "load_regions",
    "parse_nik",
    "standardise_changed",
    "standardise_record",
    "standardise_table",
]
