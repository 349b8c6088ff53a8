"""BI access the way Superset and Metabase do it: SQLAlchemy with duckdb-engine, read-only, and Parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, text

from publishing.publish import export_parquet

pytestmark = pytest.mark.slow

README_QUERY = "select status_label_zh, count(*) from marts.fct_target_progress where as_of_month = '2024-09-01' group by 1"


def test_sqlalchemy_duckdb_engine_reads_the_published_warehouse_read_only(serving: Path) -> None:
    engine = create_engine(f"duckdb:///{serving}", connect_args={"read_only": True})
    with engine.connect() as conn:
        via_bi = dict(conn.execute(text(README_QUERY)).fetchall())
        # the README's CLI recipe reads the stable serving view; it must agree with the mart
        view_rows = conn.execute(text("select count(*) from serving.target_progress")).scalar()
        mart_rows = conn.execute(text("select count(*) from marts.fct_target_progress")).scalar()
        assert view_rows == mart_rows > 0
        tables = conn.execute(
            text("select table_schema, table_name from information_schema.tables")
        ).fetchall()
        with pytest.raises(Exception, match="read-only"):
            conn.execute(text("create table marts.scratch as select 1"))
    engine.dispose()
    with duckdb.connect(str(serving), read_only=True) as con:
        direct = dict(con.execute(README_QUERY).fetchall())
        n_targets = con.execute(
            "select count(*) from reference.plan_targets where plan_id = 'district_2024'"
        ).fetchone()[0]
    assert via_bi == direct
    assert sum(via_bi.values()) == n_targets
    assert ("marts", "fct_target_progress") in {(s, t) for s, t in tables}


def test_every_mart_is_exported_as_parquet_with_the_same_rows(serving: Path, tmp_path: Path) -> None:
    out = export_parquet(serving, tmp_path / "parquet", "first")
    assert out.is_symlink() and out.resolve().name == "first"
    export_parquet(serving, tmp_path / "parquet", "second")  # the next publish swaps the link
    assert out.resolve().name == "second" and not (tmp_path / "parquet" / "first").exists()
    with duckdb.connect(str(serving), read_only=True) as con:
        marts = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name='marts'"
            ).fetchall()
        ]
        for name in marts:
            expected = con.execute(f"select count(*) from marts.{name}").fetchone()[0]
            got = con.execute(f"select count(*) from read_parquet('{out / (name + '.parquet')}')").fetchone()[
                0
            ]
            assert got == expected, name
    assert (out / "fct_target_progress.parquet").exists()
