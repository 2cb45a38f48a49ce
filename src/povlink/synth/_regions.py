"""Kota Semarang's kecamatan and kelurahan (the table shipped with povlink) and street names."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from typing import Final

import numpy as np

from povlink.synth._text import Text, texts

#: Kecamatan on the Java Sea coast, where fishers live (Tugu, Semarang Barat, Semarang Utara,
#: Gayamsari's Tambakrejo, Genuk).
COASTAL_KECAMATAN: Final[frozenset[str]] = frozenset(
    {"33.74.16", "33.74.13", "33.74.02", "33.74.04", "33.74.05"}
)

# Street names of Semarang's kampung: flowers, fruit, heroes, wayang figures, local words.
STREET_BASES: Final[Text] = texts(
    [
        "Mawar",
        "Melati",
        "Kenanga",
        "Anggrek",
        "Cempaka",
        "Dahlia",
        "Flamboyan",
        "Kamboja",
        "Teratai",
        "Seroja",
        "Nangka",
        "Mangga",
        "Jambu",
        "Durian",
        "Sawo",
        "Rambutan",
        "Kelapa",
        "Pisang",
        "Salak",
        "Duku",
        "Arjuna",
        "Bima",
        "Srikandi",
        "Gatotkaca",
        "Pandawa",
        "Kresna",
        "Semar",
        "Gareng",
        "Petruk",
        "Diponegoro",
        "Sudirman",
        "Kartini",
        "Pemuda",
        "Imam Bonjol",
        "Kaligawe",
        "Wolter Monginsidi",
        "Dr. Cipto",
        "Majapahit",
        "Brigjen Sudiarto",
        "Pandanaran",
        "Gajah Mada",
        "Siliwangi",
        "Kalibanteng",
        "Pamularsih",
        "Karangrejo",
        "Tlogosari",
        "Sompok",
        "Lamper",
        "Tandang",
        "Bulusan",
        "Sendangguwo",
        "Ketileng",
        "Klipang",
        "Pucang Gading",
        "Wonosari",
        "Podorejo",
        "Jatisari",
        "Bringin",
        "Purwoyoso",
        "Tambak Lorok",
        "Kemijen",
        "Sawah Besar",
        "Kaligarang",
        "Lempongsari",
        "Jomblang",
        "Jangli",
    ]
)
STREET_KIND: Final[Text] = texts(["Jl.", "Jl.", "Jl.", "Gg.", "Gg.", "Kp."])
ROMAN: Final[Text] = texts(["", "", "", "", "I", "II", "III", "IV", "V", "VI", "VII", "VIII"])


@dataclass(frozen=True)
class Regions:
    """The 177 kelurahan of Kota Semarang with their kecamatan, as parallel arrays."""

    kelurahan_code: Text
    kelurahan_name: Text
    kecamatan_code: Text
    kecamatan_name: Text

    @property
    def size(self) -> int:
        """Number of kelurahan."""
        return len(self.kelurahan_code)

    @property
    def kecamatan_number(self) -> np.ndarray:
        """The two-digit kecamatan part of each kelurahan's code as an integer (33.74.CC)."""
        return np.array([int(c[-2:]) for c in self.kecamatan_code.to_pylist()], dtype=np.int64)

    @property
    def coastal(self) -> np.ndarray:
        """Whether each kelurahan lies in a coastal kecamatan."""
        codes = self.kecamatan_code.to_pylist()
        return np.array([c in COASTAL_KECAMATAN for c in codes], dtype=bool)


def load_regions() -> Regions:
    """Read ``povlink/data/semarang_wilayah.csv``."""
    text = resources.files("povlink").joinpath("data/semarang_wilayah.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return Regions(
        kelurahan_code=texts([r["kode_kelurahan"] for r in rows]),
        kelurahan_name=texts([r["nama_kelurahan"] for r in rows]),
        kecamatan_code=texts([r["kode_kecamatan"] for r in rows]),
        kecamatan_name=texts([r["nama_kecamatan"] for r in rows]),
    )
