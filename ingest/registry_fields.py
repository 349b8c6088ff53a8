"""The parts of a registry entry that every format shares: credentials, the release calendar, the
limits on one release, and an indicator mapping (validated by pydantic when the registry loads)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ingest.formats.base import Measure, Strict

MiB = 1 << 20
GiB = 1 << 30


class Credentials(Strict):
    """A reference to a secret, never the secret itself."""

    airflow_conn_id: str | None = None
    env: str | None = None

    @model_validator(mode="after")
    def _one_reference(self) -> Credentials:
        if bool(self.airflow_conn_id) == bool(self.env):
            raise ValueError("give exactly one of airflow_conn_id or env")
        return self


class ReleaseCalendar(Strict):
    frequency: Literal["monthly", "quarterly", "half_yearly", "annual", "event"]
    description: str = Field(description="the calendar in words, e.g. '每月15日前后发布上月数据'")
    day_of_month: int = Field(15, ge=1, le=31, description="day of the month the release usually appears")
    lag_months: int = Field(1, ge=0, le=12, description="months between the period end and the release")
    first_period: str = Field(description="first period to fetch, YYYY-MM")
    skip_months: list[int] = Field(
        default_factory=list, description="months with no release, e.g. [1]: January comes with 1-2月"
    )
    freshness_warn_days: int = Field(45, ge=1)
    freshness_error_days: int = Field(75, ge=1)

    @field_validator("first_period")
    @classmethod
    def _yyyymm(cls, v: str) -> str:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v):
            raise ValueError("must be YYYY-MM")
        return v

    @field_validator("skip_months")
    @classmethod
    def _months(cls, v: list[int]) -> list[int]:
        if any(not 1 <= m <= 12 for m in v):
            raise ValueError("months are 1 to 12")
        return v


class Limits(Strict):
    """Bounds on one release, checked before a reader allocates (the parse worker reads these too)."""

    max_bytes: int = Field(default=1024 * MiB, ge=1, description="size of one release file")
    max_rows: int = Field(
        default=20_000_000, ge=1, description="rows of one release (lines, sheet rows, nodes)"
    )
    max_columns: int = Field(default=512, ge=1, description="columns of a sheet or a CSV")
    max_cells: int = Field(default=20_000_000, ge=1, description="rows × columns of a sheet's used range")
    max_unzipped_bytes: int = Field(default=2 * GiB, ge=1, description="an .xlsx inflated")
    max_line_bytes: int = Field(default=1 * MiB, ge=1, description="one CSV line")
    max_json_depth: int = Field(default=64, ge=2, description="nesting of a JSON document")


class IndicatorMapping(Strict):
    label: str = Field(description="the indicator's name as the release writes it (without the unit)")
    code: str = Field(description="indicator_code in dbt_project/seeds/indicators.csv")
    unit: str | None = Field(None, description="unit as published when the release does not say it")
    measures: list[Measure] | None = Field(None, description="restrict to these measures")
    unit_change: Literal["reject", "convert"] = Field(
        "reject",
        description="a release in another unit of the same kind (万元 for 亿元): reject it, or load it in "
        "the unit it states (the multiplier converts it; the change is logged)",
    )
    index_base: float | None = Field(
        None,
        description="growth published as an index on a base (上年同期=100): growth = index - base",
    )
