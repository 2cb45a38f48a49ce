"""Independent, named random streams derived from one seed.

Every part of the generator draws from its own stream, named after what it generates, so that
adding a list or a damage kind does not shift the random numbers of every other part: the same
seed keeps giving the same population even as the set of lists grows.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator for the part of the city called ``name``, reproducible from ``seed``."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])
