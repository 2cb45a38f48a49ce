"""Central Javanese and Indonesian personal names, drawn with realistic frequencies.

Javanese usually carry one name and no family name; older people are mostly mononyms (Slamet,
Sutrisno, Poniyem), the Su-…-o / Su-…-i pattern is frequent, women's names end in -wati or
-ningsih or start with Sri, Siti or Nur, and younger people carry two or three names (Muhammad
Rizky Pratama). Pools are ranked: the weight of a name falls with its rank (Zipf), and the most
frequent e-KTP names of domain.md §2 come first. Western first-and-last names are not used.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow.compute as pc

from povlink.synth._text import BoolArray, IntArray, Text, assemble, choose, join, texts, where


def _zipf(n: int, k: float = 2.0) -> np.ndarray:
    """Weights ``1/(rank + k)``: a ranked pool whose head is common and tail is long."""
    return 1.0 / (np.arange(n, dtype=np.float64) + k)


# Men's complete single names, most frequent first (Dukcapil 2024 counts head the list).
MALE_MONONYMS: Final[Text] = texts(
    [
        "Sutrisno",
        "Slamet",
        "Mulyadi",
        "Herman",
        "Supardi",
        "Ismail",
        "Supriyanto",
        "Wahyudi",
        "Junaidi",
        "Suparman",
        "Sugiyanto",
        "Suwarno",
        "Sumarno",
        "Sukirman",
        "Suyanto",
        "Bambang",
        "Sunarto",
        "Paijo",
        "Ngadimin",
        "Karno",
        "Wagimin",
        "Tukiman",
        "Sarmin",
        "Kasmadi",
        "Rohmadi",
        "Darmanto",
        "Mujiono",
        "Parjo",
        "Kusnadi",
        "Sarwono",
        "Sutarno",
        "Ngatimin",
        "Legiman",
        "Kamdi",
        "Rusdi",
        "Rasimin",
        "Jumadi",
        "Kasno",
        "Sodikin",
        "Kholil",
        "Masruri",
        "Muhadi",
        "Warsito",
        "Budiono",
        "Hartono",
        "Marno",
        "Tarmuji",
        "Rahmat",
        "Zainuri",
    ]
)
MALE_MONONYM_WEIGHTS: Final[np.ndarray] = np.concatenate(
    [
        np.array([144.5, 115.4, 111.7, 102.0, 93.2, 89.7, 86.0, 85.5, 85.0, 84.5]),
        _zipf(len(MALE_MONONYMS) - 10, 1) * 80,
    ]
)

# Women's complete names, most frequent first (Sri Wahyuni and Siti Aminah are two-word names).
FEMALE_MONONYMS: Final[Text] = texts(
    [
        "Nurhayati",
        "Sulastri",
        "Sumiati",
        "Sri Wahyuni",
        "Sumarni",
        "Sunarti",
        "Siti Aminah",
        "Ernawati",
        "Aminah",
        "Kartini",
        *[
            "Sumiyati",
            "Suparti",
            "Suharti",
            "Sulasmi",
            "Suwarni",
            "Rukiyah",
            "Juwariyah",
            "Khotimah",
            "Maryam",
            "Umi",
            "Endang",
            "Tuti",
            "Yuliani",
            "Kasmirah",
            "Rusmini",
            "Sriyatun",
            "Mujiati",
            "Tumini",
            "Sarinah",
            "Parmi",
            "Warsini",
            "Jumiati",
            "Tuminah",
            "Karsinah",
            "Ngatiyah",
            "Musrifah",
            "Mardiyah",
            "Rohayati",
            "Darsih",
            "Kusmiyati",
        ],
    ]
)
FEMALE_MONONYM_WEIGHTS: Final[np.ndarray] = np.concatenate(
    [
        np.array([254.9, 193.0, 170.0, 160.0, 150.0, 140.0, 130.0, 120.0, 115.0, 110.0]),
        _zipf(len(FEMALE_MONONYMS) - 10, 1) * 100,
    ]
)

# Older village names in -em / -iyem (Poniyem, Wagiyem).
FEMALE_VILLAGE: Final[Text] = texts(
    [
        "Poniyem",
        "Wagiyem",
        "Painem",
        "Tukinem",
        "Sainem",
        "Ngatinem",
        "Kasiyem",
        "Tumirah",
        "Sukinem",
        "Paiyem",
        "Sumirah",
        "Legiyem",
        "Marsinah",
        "Tarsini",
        "Ngadinah",
        "Jumirah",
    ]
)

# Su-…-o / Su-…-i: prefix + root + gendered ending (Suparno, Suparti, Sugiyanto, Suyatmi).
SU_PREFIX: Final[Text] = texts(["Su"])
SU_ROOT: Final[Text] = texts(
    [
        "par",
        "mar",
        "yat",
        "war",
        "tar",
        "har",
        "gi",
        "kir",
        "ra",
        "ri",
        "pri",
        "yan",
        "lis",
        "nar",
        "jar",
        "dar",
        "ge",
        "mi",
        "wi",
        "ti",
    ]
)
SU_END_MALE: Final[Text] = texts(["no", "to", "man", "di", "yo", "yanto", "min", "jo", "ono"])
SU_END_FEMALE: Final[Text] = texts(["ni", "ti", "yati", "nah", "mi", "yem", "rsih", "yah"])

MALE_FIRST: Final[Text] = texts(
    [
        "Agus",
        "Budi",
        "Eko",
        "Dwi",
        "Tri",
        "Joko",
        "Bambang",
        "Heru",
        "Hadi",
        "Rudi",
        "Andi",
        "Ahmad",
        "Muhammad",
        "Abdul",
        "Nur",
        "Arif",
        "Adi",
        "Bayu",
        "Dedi",
        "Edy",
        "Teguh",
        "Sigit",
        "Wahyu",
        "Yusuf",
        "Imam",
        "Ali",
        "Hendra",
        "Rizal",
        "Fajar",
        "Dimas",
        "Rizky",
        "Yohanes",
        "Agustinus",
        "Antonius",
        "André",
        "Sugeng",
        "Puji",
        "Anton",
        "Irfan",
        "Taufik",
    ]
)
MALE_LAST: Final[Text] = texts(
    [
        "Setiawan",
        "Santoso",
        "Wibowo",
        "Prasetyo",
        "Susanto",
        "Hidayat",
        "Nugroho",
        "Kurniawan",
        "Saputra",
        "Purnomo",
        "Widodo",
        "Utomo",
        "Wahyudi",
        "Supriyanto",
        "Sulistyo",
        "Hartono",
        "Riyadi",
        "Haryanto",
        "Gunawan",
        "Firmansyah",
        "Ramadhan",
        "Pratama",
        "Hermawan",
        "Prasetya",
        "Santosa",
        "Rohman",
        "Ghofur",
        "Mustofa",
        "Hakim",
        "Fauzi",
        "Syaifudin",
        "Arifin",
        "Rahmadi",
        "Cahyono",
        "Raharjo",
        "Sutanto",
        "Winarno",
        "Mulyono",
        "Sudarsono",
    ]
)
MALE_YOUNG_FIRST: Final[Text] = texts(
    [
        "Muhammad",
        "Ahmad",
        "Rizky",
        "Dimas",
        "Bagus",
        "Aditya",
        "Fajar",
        "Arya",
        "Reza",
        "Yoga",
        "Galih",
        "Ilham",
        "Farhan",
        "Raka",
        "Naufal",
        "Daffa",
        "Alif",
        "Rafi",
        "Bima",
        "Fikri",
    ]
)
MALE_YOUNG_MIDDLE: Final[Text] = texts(
    [
        "Rizky",
        "Arya",
        "Nur",
        "Aditya",
        "Dwi",
        "Bagus",
        "Yoga",
        "Ilham",
        "Akbar",
        "Putra",
        "Abdul",
        "Fahri",
        "Rafi",
        "Hafiz",
    ]
)

FEMALE_FIRST: Final[Text] = texts(
    [
        "Dewi",
        "Rina",
        "Fitri",
        "Yuli",
        "Dwi",
        "Tri",
        "Eka",
        "Ayu",
        "Putri",
        "Indah",
        "Nur",
        "Ani",
        "Lia",
        "Wulan",
        "Novi",
        "Dian",
        "Ika",
        "Desi",
        "Ratna",
        "Diah",
        "Retno",
        "Endah",
        "Siti",
        "Sri",
        "Tutik",
        "Sari",
        "Maria",
        "Theresia",
        "Désy",
        "Veronika",
        "Umi",
        "Lilik",
    ]
)
FEMALE_LAST: Final[Text] = texts(
    [
        "Lestari",
        "Wahyuni",
        "Rahayu",
        "Handayani",
        "Susanti",
        "Wulandari",
        "Puspitasari",
        "Rahmawati",
        "Kurniasih",
        "Safitri",
        "Anggraini",
        "Permatasari",
        "Utami",
        "Setyaningsih",
        "Wijayanti",
        "Pratiwi",
        "Fitriani",
        "Oktaviani",
        "Purwanti",
        "Yuliana",
        "Maharani",
        "Aminah",
        "Mulyani",
        "Hartini",
        "Sundari",
        "Khasanah",
        "Fatimah",
        "Hidayah",
        "Aisyah",
        "Rohmah",
        "Kholifah",
        "Jannah",
        "Sulistyowati",
        "Ningsih",
        "Astuti",
        "Ningrum",
    ]
)
FEMALE_YOUNG_FIRST: Final[Text] = texts(
    [
        "Aulia",
        "Nabila",
        "Salsabila",
        "Putri",
        "Anisa",
        "Zahra",
        "Aisyah",
        "Nayla",
        "Keisha",
        "Alya",
        "Dinda",
        "Amelia",
        "Citra",
        "Nadia",
        "Tiara",
        "Syifa",
        "Azzahra",
        "Intan",
    ]
)
FEMALE_YOUNG_MIDDLE: Final[Text] = texts(
    ["Putri", "Nur", "Dwi", "Ayu", "Rahma", "Zahra", "Dewi", "Indah", "Kirana", "Aulia"]
)
FEMALE_YOUNG_LAST: Final[Text] = texts(
    [
        "Ramadhani",
        "Azzahra",
        "Maharani",
        "Rahmawati",
        "Safitri",
        "Pratiwi",
        "Wulandari",
        "Anggraini",
        "Khoirunnisa",
        "Fitriani",
        "Lestari",
        "Permatasari",
        "Salsabila",
        "Nurjanah",
        "Febriani",
    ]
)
# Roots of -wati and -ningsih names (Ernawati, Setyaningsih).
WATI_ROOT: Final[Text] = texts(
    [
        "Erna",
        "Yuli",
        "Rahma",
        "Kurnia",
        "Setya",
        "Indah",
        "Suri",
        "Sulis",
        "Purwa",
        "Kusuma",
        "Hera",
        "Murni",
        "Dar",
        "Nur",
        "Sri",
        "Endang",
        "Ira",
        "Rus",
        "Mar",
        "Sus",
    ]
)
NINGSIH_ROOT: Final[Text] = texts(
    [
        "Setya",
        "Wahyu",
        "Rahayu",
        "Kusuma",
        "Su",
        "Endah",
        "Purwa",
        "Widya",
        "Sri",
        "Tri",
        "Dwi",
        "Murti",
        "Ratna",
        "Sulis",
    ]
)

# Women's and men's name patterns per generation: probabilities of each construction.
_MALE_PATTERNS: Final[dict[str, list[float]]] = {
    # mononym, su-name, first+last, young three-part
    "old": [0.42, 0.38, 0.20, 0.00],
    "mid": [0.18, 0.17, 0.57, 0.08],
    "young": [0.04, 0.02, 0.52, 0.42],
}
_FEMALE_PATTERNS: Final[dict[str, list[float]]] = {
    # mononym, village -em, su-name, Sri/Siti/Nur + X, -wati/-ningsih, first+last, three-part
    "old": [0.30, 0.22, 0.20, 0.16, 0.08, 0.04, 0.00],
    "mid": [0.16, 0.02, 0.08, 0.18, 0.14, 0.38, 0.04],
    "young": [0.03, 0.00, 0.01, 0.06, 0.06, 0.44, 0.40],
}


def _su_names(rng: np.random.Generator, n: int, endings: Text) -> Text:
    return join(
        choose(rng, SU_PREFIX, None, n),
        choose(rng, SU_ROOT, _zipf(len(SU_ROOT), 4), n),
        choose(rng, endings, _zipf(len(endings), 2), n),
    )


def _three_part(rng: np.random.Generator, n: int, first: Text, middle: Text, last: Text) -> Text:
    """First, middle and last name; a middle name equal to the first becomes "Nur"."""
    a = choose(rng, first, _zipf(len(first), 1), n)
    b = choose(rng, middle, _zipf(len(middle), 3), n)
    b = where(pc.equal(a, b).to_numpy(zero_copy_only=False), "Nur", b)
    return join(a, " ", b, " ", choose(rng, last, _zipf(len(last), 3), n))


def _male_names(rng: np.random.Generator, n: int, probs: list[float]) -> Text:
    pattern = rng.choice(4, size=n, p=probs)
    counts = np.bincount(pattern, minlength=4)
    return assemble(
        pattern,
        [
            choose(rng, MALE_MONONYMS, MALE_MONONYM_WEIGHTS, counts[0]),
            _su_names(rng, counts[1], SU_END_MALE),
            join(
                choose(rng, MALE_FIRST, _zipf(len(MALE_FIRST), 3), counts[2]),
                " ",
                choose(rng, MALE_LAST, _zipf(len(MALE_LAST), 3), counts[2]),
            ),
            _three_part(rng, counts[3], MALE_YOUNG_FIRST, MALE_YOUNG_MIDDLE, MALE_LAST),
        ],
    )


def _female_names(rng: np.random.Generator, n: int, probs: list[float]) -> Text:
    pattern = rng.choice(7, size=n, p=probs)
    counts = np.bincount(pattern, minlength=7)
    wati = rng.random(counts[4]) < 0.55
    return assemble(
        pattern,
        [
            choose(rng, FEMALE_MONONYMS, FEMALE_MONONYM_WEIGHTS, counts[0]),
            choose(rng, FEMALE_VILLAGE, _zipf(len(FEMALE_VILLAGE), 2), counts[1]),
            _su_names(rng, counts[2], SU_END_FEMALE),
            join(
                choose(rng, texts(["Sri", "Siti", "Nur"]), [0.45, 0.4, 0.15], counts[3]),
                " ",
                choose(rng, FEMALE_LAST, _zipf(len(FEMALE_LAST), 3), counts[3]),
            ),
            where(
                wati,
                join(choose(rng, WATI_ROOT, None, counts[4]), "wati"),
                join(choose(rng, NINGSIH_ROOT, None, counts[4]), "ningsih"),
            ),
            join(
                choose(rng, FEMALE_FIRST, _zipf(len(FEMALE_FIRST), 3), counts[5]),
                " ",
                choose(rng, FEMALE_LAST, _zipf(len(FEMALE_LAST), 3), counts[5]),
            ),
            _three_part(rng, counts[6], FEMALE_YOUNG_FIRST, FEMALE_YOUNG_MIDDLE, FEMALE_YOUNG_LAST),
        ],
    )


def draw_full_names(rng: np.random.Generator, male: BoolArray, birth_year: IntArray) -> Text:
    """One full name per person, in title case, following the patterns of sex and generation."""
    groups = [
        ("old", birth_year < 1965),
        ("mid", (birth_year >= 1965) & (birth_year < 1990)),
        ("young", birth_year >= 1990),
    ]
    kind = np.zeros(len(male), dtype=np.int64)
    pieces: list[Text] = []
    for generation, in_generation in groups:
        for is_male in (True, False):
            k = in_generation & (male == is_male)
            kind[k] = len(pieces)
            make = _male_names if is_male else _female_names
            probs = (_MALE_PATTERNS if is_male else _FEMALE_PATTERNS)[generation]
            pieces.append(make(rng, int(k.sum()), probs))
    return assemble(kind, pieces)


# Places of birth as written on a KTP: mostly Semarang, then the Central Javanese hinterland.
BIRTH_PLACES: Final[Text] = texts(
    [
        "Semarang",
        "Demak",
        "Kendal",
        "Grobogan",
        "Ungaran",
        "Boyolali",
        "Klaten",
        "Surakarta",
        "Pati",
        "Kudus",
        "Jepara",
        "Salatiga",
        "Pekalongan",
        "Batang",
        "Magelang",
        "Wonosobo",
        "Blora",
        "Rembang",
        "Purwodadi",
        "Kebumen",
        "Jakarta",
        "Surabaya",
        "Yogyakarta",
        "Tegal",
        "Brebes",
        "Cilacap",
    ]
)
BIRTH_PLACE_WEIGHTS: Final[np.ndarray] = np.concatenate(
    [[60.0], _zipf(len(BIRTH_PLACES) - 1, 1) * 12]
)
