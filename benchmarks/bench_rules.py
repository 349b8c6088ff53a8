"""Benchmark: the SQL rules of groups on a night of new data, whole and partial, in one process.

    PLANWATCH_HOME=DIR/home PLANWATCH_STATE_DIR=DIR/state PLANWATCH_DATA_ROOT=DIR/data \\
        .venv/bin/python benchmarks/bench_rules.py [--rounds 2] [--as-if-passed]

DIR is a province kept by `bench_province.py --keep` (or any deployment) whose build holds releases the
publish served does not have (after its incremental night's dbt, before its publish; or a served
publish older than the raw file). Each rule of a kind in quality_rules.GROUPS is evaluated whole, then
on the groups of the new releases (expectations.earlier.new_figures), in alternating rounds on one
connection; wall and CPU seconds (of this process: DuckDB's threads are its threads) and the figures
read. With --as-if-passed, every rule counts as passed in the served publish with its definition,
so the partial evaluation is measured whatever that publish's results were; its failing rows are then
those of the new releases' groups alone.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from datetime import date

import duckdb

from core.contracts import RAW_ALIAS
from core.settings import duckdb_limits, load_settings
from expectations.earlier import EarlierValidation, new_figures
from expectations.quality_rules import GROUPS, evaluate, load_rules, rule_digest
from planwatch.incremental import InputsStore
from publishing.publish import current_publish_id


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--as-if-passed", action="store_true")
    args = parser.parse_args()
    settings = load_settings()
    served = current_publish_id(settings.serving_db, settings.published_dir)
    inputs = InputsStore.of(settings).published(served)
    assert served and inputs and inputs.fingerprint.raw and inputs.fingerprint.raw.loads is not None
    earlier = EarlierValidation(served, inputs.fingerprint.raw.loads, settings.serving_db)
    rules = [r for r in load_rules(settings.config_dir / "quality_rules.yml") if r.kind in GROUPS]
    out: dict[str, dict] = {}
    today = date.today()
    with duckdb.connect(str(settings.build_db), read_only=True, config=duckdb_limits()) as con:
        con.execute(f"attach '{settings.raw_db}' as {RAW_ALIAS} (read_only)")
        new = new_figures(con, earlier)
        assert new is not None, "a load of the served publish is gone: the rules are evaluated whole"
        if args.as_if_passed:
            new = replace(new, passed={r.id: rule_digest(r) for r in rules})
        print(f"publish {served}: {len(new.shas)} new release(s); passed as served: {sorted(new.passed)}")
        for _ in range(args.rounds):
            for rule in rules:
                for how, given in (("whole", None), ("partial", new)):
                    wall, cpu = time.perf_counter(), time.process_time()
                    result = evaluate(con, rule, {}, today, today, given)  # not read by these kinds
                    row = out.setdefault(rule.id, {}).setdefault(how, {"wall_s": [], "cpu_s": []})
                    row["wall_s"].append(round(time.perf_counter() - wall, 2))
                    row["cpu_s"].append(round(time.process_time() - cpu, 2))
                    row["failing"], row["figures"] = len(result.failing), result.figures
    for rule_id, hows in out.items():
        print(rule_id, json.dumps(hows))


if __name__ == "__main__":
    main()
