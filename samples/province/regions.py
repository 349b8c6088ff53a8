"""The counties of the synthetic province: six-digit division codes, Chinese names, a size factor each.

Codes follow the shape of GB/T 2260 division codes (province, city, county: PPCCDD) without claiming to
be real ones; they are made in order, so the first N counties of a larger scale are the N counties of a
smaller one, and the same scale always gives the same counties and factors.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

COUNTIES_PER_SCALE = 90  # 1x: a province's counties; 100x: 9,000 (three times the counties of China)
_PROVINCES: tuple[int, ...] = (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44)
_PROVINCES += (45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65)


@dataclass(frozen=True)
class Region:
    code: str  # six digits, the region_code every figure and plan carries
    name: str
    factor: float  # the county's size against the district of the bundled samples (0.3 to 3)


def regions(scale: int, seed: int = 2024) -> list[Region]:
    count = COUNTIES_PER_SCALE * scale
    out: list[Region] = []
    for province in _PROVINCES:
        for city in range(1, 21):
            for county in range(1, 31):
                if len(out) == count:
                    return out
                code = f"{province:02d}{city:02d}{county:02d}"
                rng = random.Random(f"{seed}-region-{code}")
                out.append(
                    Region(code, f"样本{city}市第{county}县（{code}）", round(rng.lognormvariate(0, 0.5), 3))
                )
    if len(out) < count:
        raise ValueError(f"at most {len(out)} counties can be made, {count} asked for (scale {scale})")
    return out
