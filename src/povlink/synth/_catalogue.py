"""The nine agency lists of Kota Semarang (paper Table 1), each with its own selection and layout.

| list | agency | who | snapshot | file |
| --- | --- | --- | --- | --- |
| dinsos_dtks | Dinas Sosial, DTKS/PKH | whole poor households | older | csv, latin-1, ``;`` |
| dinkes_kis | Dinas Kesehatan, KIS PBI | poor persons | newer | parquet |
| disdik_kip | Dinas Pendidikan, KIP | poor children aged 6-18 | newer | xlsx |
| disperkim_rutilahu | Disperkim, Rutilahu | poor heads who own their house | older | csv |
| dinperla_nelayan | Dinas Perikanan | fishing heads, coastal kecamatan | newer | jsonl |
| dp3akb_kb | DP3AKB, free family planning | married women aged 15-49 | newer | tsv |
| disnaker_pelatihan | Disnaker, job training | young adults aged 18-30 | newer | csv |
| dukcapil_akta | Dukcapil, birth certificates | children aged 0-5 | newer | csv, ``|`` |
| bps_regsosek | BPS, Regsosek (optional) | every resident | older | parquet |
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from povlink.synth._damage import Damaged
from povlink.synth._lists import (
    City,
    Layout,
    ListSpec,
    by_decile,
    digits,
    format_dates,
    format_sex,
    member_numbers,
    missing_tokens,
    relationship_text,
    scattered_numbers,
)
from povlink.synth._text import PAD2, PAD3, PLAIN, IntArray, Text, join, take, texts, where

_DTKS_RELATIONSHIP: Final[tuple[str, ...]] = (
    "KEPALA RUMAH TANGGA",
    "ISTRI/SUAMI",
    "ANAK",
    "ORANG TUA/MERTUA",
    "CUCU",
    "MENANTU",
)
_REGSOSEK_RELATIONSHIP: Final[tuple[str, ...]] = (
    "KEPALA KELUARGA",
    "ISTRI/SUAMI",
    "ANAK KANDUNG",
    "ORANG TUA",
    "CUCU",
    "MENANTU",
)
_TRAINING: Final[Text] = texts(
    ["Menjahit", "Barista", "Las Listrik", "Tata Boga", "Servis Motor", "Tata Rias", "Komputer"]
)
_GEAR: Final[Text] = texts(["Jaring", "Mesin Tempel", "Perahu", "Cool Box", "Bubu"])
_FISHER_GROUPS: Final[Text] = texts(
    ["KUB Mina Makmur", "KUB Bahari Jaya", "KUB Sido Rukun", "KUB Ngudi Rejeki", "KUB Tambak Sari"]
)
_KB_METHODS: Final[Text] = texts(["Suntik", "Pil", "IUD", "Implan", "MOW", "Kondom"])


def _nik(d: Damaged, rng: np.random.Generator, tokens: dict[str, float]) -> Text:
    """The damaged NIK, with the list's own way of writing a missing one."""
    return where(d.nik_missing, missing_tokens(rng, len(d.nik_missing), tokens), d.records.nik)


def _kk(d: Damaged) -> Text:
    return where(d.kk_missing, "", d.records.kk)


def _kecamatan(d: Damaged, city: City) -> Text:
    return city.regions.kecamatan_name.take(pa.array(d.records.kelurahan))


def _up(values: Text) -> Text:
    return pc.utf8_upper(values)


def _serial_ids(rng: np.random.Generator, n: int, prefix: str, width: int) -> Text:
    return join(prefix, digits(scattered_numbers(rng, n, 3), width))


# --- selections ----------------------------------------------------------------------------------


def _residents_where(city: City, epoch: int, mask: np.ndarray) -> IntArray:
    return np.flatnonzero(mask & (city.household[epoch] >= 0))


def _persons_by_decile(
    city: City, epoch: int, persons: IntArray, rng: np.random.Generator, p: list[float]
) -> IntArray:
    households = city.household[epoch][persons]
    result: IntArray = persons[by_decile(city, households, rng, p)]
    return result


def select_dtks(city: City, rng: np.random.Generator) -> IntArray:
    """Whole rumah tangga at the older snapshot, by decile; 3% listed with their head only.

    DTKS enumerates the rumah tangga (one IDBDT), so a married child's family on its own KK is
    listed with the parents.
    """
    n_households = len(city.decile)
    chosen = by_decile(
        city,
        np.arange(n_households),
        rng,
        [0.7, 0.65, 0.15, 0.06, 0.03, 0.02, 0.01, 0.01, 0.005, 0.005],
    )
    head_only = rng.random(n_households) < 0.03
    dwelling = np.maximum(city.dwelling, 0)
    keep = (city.dwelling >= 0) & chosen[dwelling]
    keep &= ~head_only[dwelling] | (city.dwelling_relationship == 0)
    return np.flatnonzero(keep)


def select_kis(city: City, rng: np.random.Generator) -> IntArray:
    """Families enrolled by decile at the newer snapshot; 85% of their members hold a card.

    The cards of members who died since the older snapshot are often not yet cancelled: 60% of
    them are still on the list (KPK found 234 thousand deceased people in DTKS, 2021).
    """
    residents = city.resident(1)
    households = city.household[1][residents]
    enrolled = by_decile(
        city,
        np.arange(len(city.decile)),
        rng,
        [0.5, 0.45, 0.25, 0.12, 0.05, 0.02, 0.01, 0.01, 0.005, 0.005],
    )
    carded = rng.random(len(residents)) < 0.85
    dead = city.deceased()
    not_cancelled = rng.random(len(dead)) < 0.6
    listed_dead = dead[enrolled[city.household[0][dead]] & not_cancelled]
    result: IntArray = np.sort(
        np.concatenate([residents[enrolled[households] & carded], listed_dead])
    )
    return result


def select_kip(city: City, rng: np.random.Generator) -> IntArray:
    """School-age children (6-18) of poor households."""
    age = city.age(1)
    kids = _residents_where(city, 1, (age >= 6) & (age <= 18))
    return _persons_by_decile(
        city, 1, kids, rng, [0.7, 0.65, 0.3, 0.1, 0.05, 0.02, 0.01, 0.01, 0.01, 0.01]
    )


def select_rutilahu(city: City, rng: np.random.Generator) -> IntArray:
    """Heads who own their (uninhabitable) house, at the older snapshot."""
    hh = city.household[0]
    owner = (city.relationship[0] == 0) & city.owns_house[np.maximum(hh, 0)]
    heads = _residents_where(city, 0, owner)
    return _persons_by_decile(
        city, 0, heads, rng, [0.25, 0.2, 0.08, 0.04, 0.01, 0.005, 0.002, 0.002, 0.002, 0.002]
    )


def select_nelayan(city: City, rng: np.random.Generator) -> IntArray:
    """Heads of fishing households living in a coastal kecamatan at the newer snapshot."""
    hh = np.maximum(city.household[1], 0)
    coastal = city.regions.coastal[city.kelurahan[1][hh]]
    heads = _residents_where(city, 1, (city.relationship[1] == 0) & city.fisher[hh] & coastal)
    return _persons_by_decile(
        city, 1, heads, rng, [0.6, 0.6, 0.4, 0.4, 0.2, 0.2, 0.05, 0.05, 0.05, 0.05]
    )


def select_kb(city: City, rng: np.random.Generator) -> IntArray:
    """Married women aged 15-49 (head or spouse) of poorer households."""
    age = city.age(1)
    women = _residents_where(
        city, 1, ~city.male & (age >= 15) & (age <= 49) & (city.relationship[1] <= 1)
    )
    return _persons_by_decile(
        city, 1, women, rng, [0.45, 0.4, 0.25, 0.15, 0.05, 0.02, 0.01, 0.01, 0.01, 0.01]
    )


def select_pelatihan(city: City, rng: np.random.Generator) -> IntArray:
    """Young adults aged 18-30."""
    age = city.age(1)
    young = _residents_where(city, 1, (age >= 18) & (age <= 30))
    return _persons_by_decile(
        city, 1, young, rng, [0.15, 0.15, 0.1, 0.1, 0.04, 0.04, 0.01, 0.01, 0.01, 0.01]
    )


def select_akta(city: City, rng: np.random.Generator) -> IntArray:
    """Children aged 0-5 at the newer snapshot."""
    age = city.age(1)
    small = _residents_where(city, 1, age <= 5)
    return _persons_by_decile(
        city, 1, small, rng, [0.5, 0.5, 0.3, 0.3, 0.05, 0.05, 0.02, 0.02, 0.02, 0.02]
    )


def select_regsosek(city: City, rng: np.random.Generator) -> IntArray:
    """Every resident at the older snapshot, less the 2% the enumerators missed."""
    everyone = city.resident(0)
    result: IntArray = everyone[rng.random(len(everyone)) < 0.98]
    return result


# --- layouts -------------------------------------------------------------------------------------


def _household_keys(
    city: City, households: IntArray, prefix: str, seed_rng: np.random.Generator
) -> Text:
    """A stable agency key per household (the same household always gets the same key)."""
    numbers = scattered_numbers(seed_rng, len(city.decile), 3)[households]
    return join(prefix, digits(numbers, 8))


def layout_dtks(d: Damaged, city: City, rng: np.random.Generator) -> Layout:
    """DTKS: upper case, 1/2 sex codes, dd-mm-yyyy, separate RT and RW, IDBDT household key."""
    r = d.records
    kec = city.regions.kecamatan_number[city.kelurahan[0][r.dwelling]]
    idbdt = join("3374", take(PAD2, kec), _household_keys(city, r.dwelling, "", rng))
    ids = join(idbdt, take(PAD2, np.minimum(member_numbers(r.dwelling), 99)))
    tokens = {"": 0.5, "-": 0.2, "0": 0.15, "BELUM ADA": 0.15}
    return Layout(
        {
            "ID_ART": ids,
            "IDBDT": idbdt,
            "NO_KK": _kk(d),
            "NIK": _nik(d, rng, tokens),
            "NAMA": _up(r.full_name),
            "JNS_KEL": format_sex(r.male, "12"),
            "TMP_LAHIR": _up(r.birth_place),
            "TGL_LAHIR": format_dates(r.birth, d.birth_missing, "dmy"),
            "HUB_KRT": relationship_text(r.dwelling_relationship, _DTKS_RELATIONSHIP),
            "NAMA_IBU_KANDUNG": _up(r.mother_name),
            "ALAMAT": _up(r.street),
            "RT": take(PAD3, r.rt),
            "RW": take(PAD3, r.rw),
            "KELURAHAN": _up(d.kelurahan_name),
            "KECAMATAN": _up(_kecamatan(d, city)),
            "KABUPATEN_KOTA": where(np.ones(len(r), bool), "KOTA SEMARANG", ""),
            "DESIL": take(PLAIN, r.decile),
        },
        ids,
    )


def layout_kis(d: Damaged, city: City, rng: np.random.Generator) -> Layout:
    """KIS: card numbers, ISO dates, L/P, RT and RW inside the address, phone numbers."""
    r = d.records
    ids = join("0001", digits(scattered_numbers(rng, len(r), 5), 9))
    address = join(_up(r.street), " RT ", take(PAD3, r.rt), " RW ", take(PAD3, r.rw))
    return Layout(
        {
            "NO_KARTU": ids,
            "NIK": _nik(d, rng, {"": 1.0}),
            "NO_KK": _kk(d),
            "NAMA_PESERTA": _up(r.full_name),
            "TGL_LAHIR": format_dates(r.birth, d.birth_missing, "iso"),
            "JENIS_KELAMIN": format_sex(r.male, "LP"),
            "ALAMAT": address,
            "KELURAHAN": _up(d.kelurahan_name),
            "KECAMATAN": _up(_kecamatan(d, city)),
            "NO_HP": r.phone,
            "FASKES": join("PUSKESMAS ", _up(_kecamatan(d, city))),
            "KELAS": where(np.ones(len(r), bool), "3", ""),
        },
        ids,
    )


def layout_kip(d: Damaged, city: City, rng: np.random.Generator) -> Layout:
    """KIP: mixed case, Indonesian month names, ``003/005`` RT/RW, mother's and father's names."""
    r = d.records
    ids = join("00", digits(10_000_000 + scattered_numbers(rng, len(r), 11), 8))
    level = np.select([r.age <= 12, r.age <= 15], [0, 1], 2)
    return Layout(
        {
            "NISN": ids,
            "NIK_SISWA": _nik(d, rng, {"": 0.8, "-": 0.2}),
            "NAMA_SISWA": r.full_name,
            "TEMPAT_LAHIR": r.birth_place,
            "TANGGAL_LAHIR": format_dates(r.birth, d.birth_missing, "indonesian"),
            "JK": format_sex(r.male, "LP"),
            "NAMA_IBU_KANDUNG": r.mother_name,
            "NAMA_AYAH": r.partner_name,
            "ALAMAT": r.street,
            "RT_RW": join(take(PAD3, r.rt), "/", take(PAD3, r.rw)),
            "KELURAHAN": d.kelurahan_name,
            "KECAMATAN": _kecamatan(d, city),
            "JENJANG": take(texts(["SD", "SMP", "SMA/SMK"]), level),
            "NPSN": join("2033", digits(rng.integers(0, 10_000, len(r)), 4)),
        },
        ids,
    )


def layout_rutilahu(d: Damaged, city: City, rng: np.random.Generator) -> Layout:
    """Rutilahu: place and date of birth in one ``TTL`` column, ``RT.03/RW.05`` in the address."""
    r = d.records
    ids = _serial_ids(rng, len(r), "RTLH-22-", 6)
    date = format_dates(r.birth, d.birth_missing, "dmy")
    ttl = where(d.birth_missing, _up(r.birth_place), join(_up(r.birth_place), ", ", date))
    address = join(_up(r.street), " RT.", take(PAD2, r.rt), "/RW.", take(PAD2, r.rw))
    return Layout(
        {
            "NO_REG": ids,
            "NIK_PEMILIK": _nik(d, rng, {"": 0.7, "-": 0.3}),
            "NO_KK": _kk(d),
            "NAMA_PEMILIK": _up(r.full_name),
            "TTL": ttl,
            "ALAMAT": address,
            "KELURAHAN": _up(d.kelurahan_name),
            "KECAMATAN": _up(_kecamatan(d, city)),
            "STATUS_LAHAN": where(np.ones(len(r), bool), "MILIK SENDIRI", ""),
            "KONDISI": take(
                texts(["RUSAK RINGAN", "RUSAK SEDANG", "RUSAK BERAT"]), rng.integers(0, 3, len(r))
            ),
        },
        ids,
    )


def layout_nelayan(d: Damaged, city: City, rng: np.random.Generator) -> Layout:
    """Fisheries: lower-case JSON keys, dd/mm/yyyy, LAKI-LAKI/PEREMPUAN, unpadded RT and RW."""
    r = d.records
    ids = _serial_ids(rng, len(r), "NLY-", 6)
    n = len(r)
    return Layout(
        {
            "id_penerima": ids,
            "nik": _nik(d, rng, {"": 0.6, "-": 0.4}),
            "nama": r.full_name,
            "jenis_kelamin": format_sex(r.male, "word"),
            "tanggal_lahir": format_dates(r.birth, d.birth_missing, "dmy/"),
            "alamat": r.street,
            "rt": take(PLAIN, r.rt),
            "rw": take(PLAIN, r.rw),
            "kelurahan": d.kelurahan_name,
            "kecamatan": _kecamatan(d, city),
            "no_hp": r.phone,
            "kelompok": take(_FISHER_GROUPS, rng.integers(0, len(_FISHER_GROUPS), n)),
            "jenis_bantuan": take(_GEAR, rng.integers(0, len(_GEAR), n)),
        },
        ids,
    )


def layout_kb(d: Damaged, city: City, rng: np.random.Generator) -> Layout:
    """Family planning: the wife's data, the husband's name, two-digit RT and RW."""
    r = d.records
    ids = _serial_ids(rng, len(r), "KB", 7)
    stage = np.where(r.decile <= 2, 0, np.where(r.decile <= 5, 1, 2))
    return Layout(
        {
            "NO_REG": ids,
            "NIK_ISTRI": _nik(d, rng, {"": 1.0}),
            "NAMA_ISTRI": _up(r.full_name),
            "TGL_LAHIR_ISTRI": format_dates(r.birth, d.birth_missing, "dmy"),
            "NAMA_SUAMI": _up(r.partner_name),
            "NO_KK": _kk(d),
            "ALAMAT": _up(r.street),
            "RT": take(PAD2, r.rt),
            "RW": take(PAD2, r.rw),
            "KELURAHAN": _up(d.kelurahan_name),
            "KECAMATAN": _up(_kecamatan(d, city)),
            "TAHAPAN_KS": take(texts(["PRA KS", "KS I", "KS II"]), stage),
            "METODE_KB": take(_KB_METHODS, rng.integers(0, len(_KB_METHODS), len(r))),
        },
        ids,
    )


def layout_pelatihan(d: Damaged, city: City, rng: np.random.Generator) -> Layout:
    """Job training: a web form's first/last-name boxes, US-style mm/dd/yyyy, ``03/05`` RT/RW."""
    r = d.records
    ids = _serial_ids(rng, len(r), "PK24-", 6)
    # An online form with first- and last-name boxes: a mononym leaves the last box empty.
    first = pc.replace_substring_regex(r.full_name, r"^(\S+).*$", r"\1")
    last = pc.replace_substring_regex(r.full_name, r"^\S+ ?", "")
    return Layout(
        {
            "ID_PESERTA": ids,
            "NIK": _nik(d, rng, {"": 1.0}),
            "NAMA_DEPAN": first,
            "NAMA_BELAKANG": last,
            "JENIS_KELAMIN": format_sex(r.male, "LP"),
            "TEMPAT_LAHIR": r.birth_place,
            "TANGGAL_LAHIR": format_dates(r.birth, d.birth_missing, "mdy/"),
            "ALAMAT_DOMISILI": r.street,
            "RT_RW": join(take(PAD2, r.rt), "/", take(PAD2, r.rw)),
            "KELURAHAN": d.kelurahan_name,
            "KECAMATAN": _kecamatan(d, city),
            "NO_HP": r.phone,
            "PELATIHAN": take(_TRAINING, rng.integers(0, len(_TRAINING), len(r))),
        },
        ids,
    )


def layout_akta(d: Damaged, city: City, rng: np.random.Generator) -> Layout:
    """Birth certificates: Indonesian month names, RT/RW inside the address, parents' names."""
    r = d.records
    ids = join("3374-LT-", digits(scattered_numbers(rng, len(r), 3), 8))
    address = join(r.street, " RT ", take(PAD3, r.rt), "/", take(PAD3, r.rw))
    return Layout(
        {
            "NO_AKTA": ids,
            "NIK_ANAK": _nik(d, rng, {"": 1.0}),
            "NAMA_ANAK": _up(r.full_name),
            "JK": format_sex(r.male, "word"),
            "TEMPAT_LAHIR": _up(r.birth_place),
            "TGL_LAHIR": format_dates(r.birth, d.birth_missing, "indonesian"),
            "NAMA_IBU": _up(r.mother_name),
            "NAMA_AYAH": _up(r.partner_name),
            "NO_KK": _kk(d),
            "ALAMAT": _up(address),
            "KELURAHAN": _up(d.kelurahan_name),
            "KECAMATAN": _up(_kecamatan(d, city)),
        },
        ids,
    )


def layout_regsosek(d: Damaged, city: City, rng: np.random.Generator) -> Layout:
    """Regsosek: ISO dates, 1/2 sex codes, Kemendagri region codes instead of names."""
    r = d.records
    key = _household_keys(city, r.household, "RS22", rng)
    ids = join(key, "-", take(PAD2, np.minimum(member_numbers(r.household), 99)))
    return Layout(
        {
            "ID_ART": ids,
            "KODE_KELUARGA": key,
            "NIK": _nik(d, rng, {"": 1.0}),
            "NO_KK": _kk(d),
            "NAMA": _up(r.full_name),
            "JK": format_sex(r.male, "12"),
            "TGL_LAHIR": format_dates(r.birth, d.birth_missing, "iso"),
            "TEMPAT_LAHIR": _up(r.birth_place),
            "HUB_KK": relationship_text(r.relationship, _REGSOSEK_RELATIONSHIP),
            "ALAMAT": _up(r.street),
            "RT": take(PAD3, r.rt),
            "RW": take(PAD3, r.rw),
            "KODE_KELURAHAN": city.regions.kelurahan_code.take(pa.array(r.kelurahan)),
            "KODE_KECAMATAN": city.regions.kecamatan_code.take(pa.array(r.kelurahan)),
            "DESIL": take(PLAIN, r.decile),
        },
        ids,
    )


# --- the catalogue -------------------------------------------------------------------------------

LISTS: Final[tuple[ListSpec, ...]] = (
    ListSpec(
        name="dinsos_dtks",
        filename="dinsos_dtks_2022.csv",
        agency="Dinas Sosial",
        program="DTKS / PKH",
        epoch=0,
        id_column="ID_ART",
        mapping={
            "nik": "NIK",
            "kk_number": "NO_KK",
            "full_name": "NAMA",
            "birth_date": "TGL_LAHIR",
            "birth_place": "TMP_LAHIR",
            "sex": "JNS_KEL",
            "mother_name": "NAMA_IBU_KANDUNG",
            "relationship": "HUB_KRT",
            "address": "ALAMAT",
            "rt": "RT",
            "rw": "RW",
            "kelurahan": "KELURAHAN",
            "kecamatan": "KECAMATAN",
            "city": "KABUPATEN_KOTA",
            "household_key": "IDBDT",
        },
        select=select_dtks,
        layout=layout_dtks,
        by_dwelling=True,
        uses=frozenset({"mother_name"}),
        options={"encoding": "latin-1", "delimiter": ";", "date_order": "dmy"},
        sorted_by_household=True,
    ),
    ListSpec(
        name="dinkes_kis",
        filename="dinkes_kis_pbi_2024.parquet",
        agency="Dinas Kesehatan",
        program="KIS PBI / Jamkesmaskot",
        epoch=1,
        id_column="NO_KARTU",
        mapping={
            "nik": "NIK",
            "kk_number": "NO_KK",
            "full_name": "NAMA_PESERTA",
            "birth_date": "TGL_LAHIR",
            "sex": "JENIS_KELAMIN",
            "address": "ALAMAT",
            "kelurahan": "KELURAHAN",
            "kecamatan": "KECAMATAN",
            "phone": "NO_HP",
        },
        select=select_kis,
        layout=layout_kis,
        uses=frozenset({"phone"}),
        options={"date_order": "ymd"},
    ),
    ListSpec(
        name="disdik_kip",
        filename="disdik_kip_2024.xlsx",
        agency="Dinas Pendidikan",
        program="KIP",
        epoch=1,
        id_column="NISN",
        mapping={
            "nik": "NIK_SISWA",
            "full_name": "NAMA_SISWA",
            "birth_place": "TEMPAT_LAHIR",
            "birth_date": "TANGGAL_LAHIR",
            "sex": "JK",
            "mother_name": "NAMA_IBU_KANDUNG",
            "address": "ALAMAT",
            "rt": "RT_RW",
            "kelurahan": "KELURAHAN",
            "kecamatan": "KECAMATAN",
        },
        select=select_kip,
        layout=layout_kip,
        uses=frozenset({"mother_name", "partner_name"}),
        mixed_case=True,
        options={"sheet": "Penerima KIP", "date_order": "dmy"},
    ),
    ListSpec(
        name="disperkim_rutilahu",
        filename="disperkim_rutilahu_2022.csv",
        agency="Dinas Perumahan dan Kawasan Permukiman",
        program="Rutilahu",
        epoch=0,
        id_column="NO_REG",
        mapping={
            "nik": "NIK_PEMILIK",
            "kk_number": "NO_KK",
            "full_name": "NAMA_PEMILIK",
            "birth_date": "TTL",
            "address": "ALAMAT",
            "kelurahan": "KELURAHAN",
            "kecamatan": "KECAMATAN",
        },
        select=select_rutilahu,
        layout=layout_rutilahu,
        uses=frozenset(),
        options={"date_order": "dmy"},
    ),
    ListSpec(
        name="dinperla_nelayan",
        filename="dinperla_nelayan_2024.jsonl",
        agency="Dinas Perikanan",
        program="Bantuan alat tangkap",
        epoch=1,
        id_column="id_penerima",
        mapping={
            "nik": "nik",
            "full_name": "nama",
            "sex": "jenis_kelamin",
            "birth_date": "tanggal_lahir",
            "address": "alamat",
            "rt": "rt",
            "rw": "rw",
            "kelurahan": "kelurahan",
            "kecamatan": "kecamatan",
            "phone": "no_hp",
        },
        select=select_nelayan,
        layout=layout_nelayan,
        uses=frozenset({"phone"}),
        mixed_case=True,
        options={"date_order": "dmy"},
    ),
    ListSpec(
        name="dp3akb_kb",
        filename="dp3akb_kb_2024.tsv",
        agency="DP3AKB",
        program="KB gratis",
        epoch=1,
        id_column="NO_REG",
        mapping={
            "nik": "NIK_ISTRI",
            "kk_number": "NO_KK",
            "full_name": "NAMA_ISTRI",
            "birth_date": "TGL_LAHIR_ISTRI",
            "address": "ALAMAT",
            "rt": "RT",
            "rw": "RW",
            "kelurahan": "KELURAHAN",
            "kecamatan": "KECAMATAN",
        },
        select=select_kb,
        layout=layout_kb,
        uses=frozenset({"partner_name"}),
        options={"delimiter": "\t", "date_order": "dmy"},
    ),
    ListSpec(
        name="disnaker_pelatihan",
        filename="disnaker_pelatihan_2024.csv",
        agency="Dinas Tenaga Kerja",
        program="Pelatihan kerja",
        epoch=1,
        id_column="ID_PESERTA",
        mapping={
            "nik": "NIK",
            "full_name": ["NAMA_DEPAN", "NAMA_BELAKANG"],
            "sex": "JENIS_KELAMIN",
            "birth_place": "TEMPAT_LAHIR",
            "birth_date": "TANGGAL_LAHIR",
            "address": "ALAMAT_DOMISILI",
            "rt": "RT_RW",
            "kelurahan": "KELURAHAN",
            "kecamatan": "KECAMATAN",
            "phone": "NO_HP",
        },
        select=select_pelatihan,
        layout=layout_pelatihan,
        uses=frozenset({"phone"}),
        mixed_case=True,
        options={"date_order": "mdy"},
    ),
    ListSpec(
        name="dukcapil_akta",
        filename="dukcapil_akta_2024.csv",
        agency="Dinas Kependudukan dan Pencatatan Sipil",
        program="Akta kelahiran gratis",
        epoch=1,
        id_column="NO_AKTA",
        mapping={
            "nik": "NIK_ANAK",
            "kk_number": "NO_KK",
            "full_name": "NAMA_ANAK",
            "sex": "JK",
            "birth_place": "TEMPAT_LAHIR",
            "birth_date": "TGL_LAHIR",
            "mother_name": "NAMA_IBU",
            "address": "ALAMAT",
            "kelurahan": "KELURAHAN",
            "kecamatan": "KECAMATAN",
        },
        select=select_akta,
        layout=layout_akta,
        uses=frozenset({"mother_name", "partner_name"}),
        options={"delimiter": "|", "date_order": "dmy"},
    ),
    ListSpec(
        name="bps_regsosek",
        filename="bps_regsosek_2022.parquet",
        agency="BPS",
        program="Regsosek 2022",
        epoch=0,
        id_column="ID_ART",
        mapping={
            "nik": "NIK",
            "kk_number": "NO_KK",
            "full_name": "NAMA",
            "sex": "JK",
            "birth_date": "TGL_LAHIR",
            "birth_place": "TEMPAT_LAHIR",
            "relationship": "HUB_KK",
            "address": "ALAMAT",
            "rt": "RT",
            "rw": "RW",
            "kelurahan": "KODE_KELURAHAN",
            "kecamatan": "KODE_KECAMATAN",
            "household_key": "KODE_KELUARGA",
        },
        select=select_regsosek,
        layout=layout_regsosek,
        uses=frozenset(),
        options={"date_order": "ymd"},
        whole_city=True,
        sorted_by_household=True,
    ),
)


def list_specs(*, whole_city_register: bool) -> tuple[ListSpec, ...]:
    """The lists a city gets; the whole-city register only when asked for."""
    return tuple(s for s in LISTS if whole_city_register or not s.whole_city)
