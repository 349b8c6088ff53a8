"""`duckdb+planwatch://`: duckdb-engine for BI tools, with reflection that works on DuckDB 2.0 and a pool
that follows each publish.

duckdb-engine (the SQLAlchemy dialect Superset uses for DuckDB) reflects through PostgreSQL's pg_catalog
queries. On DuckDB 2.0 those fail: the column query's correlated pg_collation subquery does not bind, and
the constraint queries cast to REGCLASS, a type DuckDB 2.0 no longer has. So `inspect(engine).get_columns`,
`get_pk_constraint`, `get_foreign_keys` and `get_unique_constraints` raise, which is the first thing
Superset does when a dataset is added. The shape of the served views cannot avoid that (tables fail the
same way), so this dialect answers every reflection call from DuckDB's own catalog functions
(duckdb_columns(), duckdb_constraints(), duckdb_views(), ...), which DuckDB 1.x and 2.0 both have.

Connections open an in-memory DuckDB and attach the serving file read-only under its usual catalog
(publishing/readers.py), never through DuckDB's per-path database cache; the pool pings before each
checkout by default, and a ping fails once a publish has replaced the file, so the pool reopens and every
query after a publish reads the new one. Everything else (SQL compilation, types, Superset's DuckDB engine
spec, which keys on the backend name `duckdb`) is duckdb-engine's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb_engine
from sqlalchemy import pool, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.exc import NoSuchTableError
from sqlalchemy.types import ARRAY, DOUBLE_PRECISION, NUMERIC, LargeBinary, NullType, TypeEngine

from publishing.readers import attach_serving, is_stale

HIDDEN_SCHEMAS = ("information_schema", "pg_catalog")
# DuckDB type names that PostgreSQL's reflection table (duckdb-engine's ischema_names) does not list
DUCKDB_TYPES: dict[str, type[TypeEngine[Any]]] = {"double": DOUBLE_PRECISION, "blob": LargeBinary}


class FollowPublishPool(pool.QueuePool):
    """A queue pool that pings on checkout unless told otherwise: the ping is how a new publish is seen."""

    def __init__(self, creator: Any, **kw: Any) -> None:
        kw.setdefault("pre_ping", True)
        super().__init__(creator, **kw)


class PlanwatchDialect(duckdb_engine.Dialect):
    driver = "planwatch"
    supports_statement_cache = False

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        return FollowPublishPool

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        database = cparams.pop("database", None) or (cargs[0] if cargs else None)
        if not database or database == ":memory:":
            raise ValueError("duckdb+planwatch:// needs the path of the serving warehouse file")
        cparams.pop("read_only", None)  # the file is always attached read-only
        conn = super().connect(database=":memory:", **cparams)
        path = Path(database)
        conn.planwatch_file = (path, attach_serving(conn, path))
        return conn

    def do_ping(self, dbapi_connection: Any) -> bool:
        path, opened = dbapi_connection.planwatch_file
        if is_stale(path, opened):
            return False  # the pool invalidates every connection opened before and reopens
        return bool(super().do_ping(dbapi_connection))

    # reflection, from DuckDB's catalog functions, within the attached serving file

    def _rows(self, connection: Connection, sql: str, **params: Any) -> list[Any]:
        where = "database_name = current_database()"
        return list(connection.execute(text(sql.replace("{where}", where)), params))

    @staticmethod
    def _schema(schema: str | None) -> str:
        return schema.split(".")[-1].strip('"') if schema else "main"

    def get_schema_names(self, connection: Connection, **kw: Any) -> list[str]:
        rows = self._rows(connection, "select schema_name from duckdb_schemas() where {where} order by 1")
        return [r[0] for r in rows if r[0] not in HIDDEN_SCHEMAS]

    def get_table_names(self, connection: Connection, schema: str | None = None, **kw: Any) -> list[str]:
        sql = "select table_name from duckdb_tables() where {where} and schema_name = :s order by 1"
        return [r[0] for r in self._rows(connection, sql, s=self._schema(schema))]

    def get_view_names(
        self, connection: Connection, schema: str | None = None, include: Any = None, **kw: Any
    ) -> list[str]:
        sql = "select view_name from duckdb_views() where {where} and not internal and schema_name = :s order by 1"
        return [r[0] for r in self._rows(connection, sql, s=self._schema(schema))]

    def get_materialized_view_names(
        self, connection: Connection, schema: str | None = None, **kw: Any
    ) -> list[str]:
        return []

    def get_sequence_names(self, connection: Connection, schema: str | None = None, **kw: Any) -> list[str]:
        sql = "select sequence_name from duckdb_sequences() where {where} and schema_name = :s order by 1"
        return [r[0] for r in self._rows(connection, sql, s=self._schema(schema))]

    def get_temp_table_names(self, connection: Connection, schema: str | None = None, **kw: Any) -> list[str]:
        return []

    def get_temp_view_names(self, connection: Connection, schema: str | None = None, **kw: Any) -> list[str]:
        return []

    def _relation(self, connection: Connection, name: str, schema: str | None) -> tuple[str, str | None]:
        """('table' or 'view', its comment), or NoSuchTableError."""
        sql = """
            select 'table', comment from duckdb_tables() where {where} and schema_name = :s and table_name = :n
            union all
            select 'view', comment from duckdb_views() where {where} and schema_name = :s and view_name = :n
        """
        rows = self._rows(connection, sql, s=self._schema(schema), n=name)
        if not rows:
            raise NoSuchTableError(f"{self._schema(schema)}.{name}")
        return rows[0][0], rows[0][1]

    def has_table(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> bool:
        try:
            self._relation(connection, table_name, schema)
        except NoSuchTableError:
            return False
        return True

    def get_columns(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[Any]:
        self._relation(connection, table_name, schema)
        sql = """
            select column_name, data_type, is_nullable, column_default, comment from duckdb_columns()
            where {where} and schema_name = :s and table_name = :n order by column_index
        """
        return [
            {
                "name": name,
                "type": self.column_type(data_type),
                "nullable": bool(nullable),
                "default": default,
                "comment": comment,
                "autoincrement": False,
            }
            for name, data_type, nullable, default, comment in self._rows(
                connection, sql, s=self._schema(schema), n=table_name
            )
        ]

    def column_type(self, data_type: str) -> TypeEngine[Any]:
        """A DuckDB type name (VARCHAR, DECIMAL(18,3), TIMESTAMP WITH TIME ZONE, VARCHAR[]) as SQLAlchemy's."""
        if data_type.endswith("[]"):
            return ARRAY(self.column_type(data_type[:-2]))
        if m := re.fullmatch(r"(?:DECIMAL|NUMERIC)\((\d+),\s*(\d+)\)", data_type, re.IGNORECASE):
            return NUMERIC(int(m.group(1)), int(m.group(2)))
        found = self.ischema_names.get(data_type.lower()) or DUCKDB_TYPES.get(data_type.lower())
        return found() if found is not None else NullType()

    def _constraints(
        self, connection: Connection, table_name: str, schema: str | None, kind: str
    ) -> list[Any]:
        self._relation(connection, table_name, schema)
        sql = """
            select constraint_name, constraint_column_names, constraint_text, referenced_table,
                   referenced_column_names
            from duckdb_constraints()
            where {where} and schema_name = :s and table_name = :n and constraint_type = :k
            order by constraint_index
        """
        return self._rows(connection, sql, s=self._schema(schema), n=table_name, k=kind)

    def get_pk_constraint(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> Any:
        rows = self._constraints(connection, table_name, schema, "PRIMARY KEY")
        return {"constrained_columns": list(rows[0][1]) if rows else [], "name": rows[0][0] if rows else None}

    def get_foreign_keys(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[Any]:
        return [
            {
                "name": name,
                "constrained_columns": list(columns),
                "referred_schema": self._schema(schema),
                "referred_table": referenced,
                "referred_columns": list(referenced_columns or []),
                "options": {},
            }
            for name, columns, _, referenced, referenced_columns in self._constraints(
                connection, table_name, schema, "FOREIGN KEY"
            )
        ]

    def get_unique_constraints(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[Any]:
        rows = self._constraints(connection, table_name, schema, "UNIQUE")
        return [{"name": name, "column_names": list(columns)} for name, columns, *_ in rows]

    def get_check_constraints(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[Any]:
        rows = self._constraints(connection, table_name, schema, "CHECK")
        return [{"name": name, "sqltext": sqltext} for name, _, sqltext, *_ in rows]

    def get_indexes(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[Any]:
        self._relation(connection, table_name, schema)
        sql = """
            select index_name, is_unique, expressions from duckdb_indexes()
            where {where} and schema_name = :s and table_name = :n order by 1
        """
        rows = self._rows(connection, sql, s=self._schema(schema), n=table_name)
        return [
            {"name": name, "unique": bool(unique), "column_names": re.findall(r'"?(\w+)"?', str(exprs))}
            for name, unique, exprs in rows
        ]

    def get_table_comment(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> Any:
        return {"text": self._relation(connection, table_name, schema)[1]}

    def get_table_options(
        self, connection: Connection, table_name: str, schema: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        self._relation(connection, table_name, schema)
        return {}

    def get_view_definition(
        self, connection: Connection, view_name: str, schema: str | None = None, **kw: Any
    ) -> str:
        sql = "select sql from duckdb_views() where {where} and schema_name = :s and view_name = :n"
        rows = self._rows(connection, sql, s=self._schema(schema), n=view_name)
        if not rows:
            raise NoSuchTableError(f"{self._schema(schema)}.{view_name}")
        return str(rows[0][0])

    # the multi-table forms loop over the single-table ones above (SQLAlchemy's generic implementation;
    # its signatures are looser than PostgreSQL's, hence the ignores)
    get_multi_columns = DefaultDialect.get_multi_columns  # type: ignore[assignment]
    get_multi_pk_constraint = DefaultDialect.get_multi_pk_constraint  # type: ignore[assignment]
    get_multi_foreign_keys = DefaultDialect.get_multi_foreign_keys  # type: ignore[assignment]
    get_multi_unique_constraints = DefaultDialect.get_multi_unique_constraints  # type: ignore[assignment]
    get_multi_check_constraints = DefaultDialect.get_multi_check_constraints  # type: ignore[assignment]
    get_multi_indexes = DefaultDialect.get_multi_indexes  # type: ignore[assignment]
    get_multi_table_comment = DefaultDialect.get_multi_table_comment  # type: ignore[assignment]
    get_multi_table_options = DefaultDialect.get_multi_table_options  # type: ignore[assignment]


dialect = PlanwatchDialect
