r"""A synthetic Kota Semarang: households, residents, agency lists with damage, and the truth.

Real poverty lists cannot leave an agency, so tests, demos and benchmarks run on this city instead.
:func:`generate_city` writes the lists, ``truth.csv`` and a ready ``povlink.toml``;
:func:`generate_population` and :func:`generate_lists` give the same data in memory.

>>> from povlink.synth import generate_population
>>> pop = generate_population(50, seed=1)
>>> bool(pop.persons["nik"].str.fullmatch(r"3374\d{12}").all())
True
>>> city = generate_city("/tmp/semarang", households=300, seed=1)  # doctest: +SKIP
>>> city.project_file  # doctest: +SKIP
PosixPath('/tmp/semarang/povlink.toml')
"""

from povlink.synth._city import GeneratedLists, ListFile, SynthCity, generate_city, generate_lists
from povlink.synth._lists import AgencyList, ListSpec
from povlink.synth._population import POOR_DECILES, Population, generate_population
from povlink.synth._rates import DamageRates, ListDamage

__all__ = [
    "POOR_DECILES",
    "AgencyList",
    "DamageRates",
    "GeneratedLists",
    "ListDamage",
    "ListFile",
    "ListSpec",
    "Population",
    "SynthCity",
    "generate_city",
    "generate_lists",
    "generate_population",
]
