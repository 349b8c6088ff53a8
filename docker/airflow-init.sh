#!/usr/bin/env bash
# One-shot setup of a planwatch Airflow deployment (the compose service airflow-init). Every step is
# idempotent: run again after an upgrade, it migrates the metadata database and leaves the rest as it was.
set -euo pipefail

# Refuse to set up a deployment that still has a placeholder or a short secret from .env.example.
weak=()
for name in POSTGRES_PASSWORD REDIS_PASSWORD AIRFLOW__CORE__FERNET_KEY AIRFLOW__API_AUTH__JWT_SECRET \
            AIRFLOW__API__SECRET_KEY AIRFLOW_ADMIN_PASSWORD FLOWER_BASIC_AUTH; do
    value="${!name:-}"
    if [[ "$name" == FLOWER_BASIC_AUTH && -z "$value" ]]; then continue; fi  # Flower is optional
    if [[ -z "$value" || "$value" == *change-me* || ${#value} -lt 16 ]]; then weak+=("$name"); fi
done
if (( ${#weak[@]} )); then
    echo "planwatch: refusing to initialise: ${weak[*]} still empty, 'change-me' or shorter than 16 characters in docker/.env" >&2
    exit 2
fi

echo "planwatch: $(airflow version | tail -n 1) against the metadata database"
airflow db migrate

# DuckDB lets one process at a time write a database file: every task that writes the warehouse takes
# this pool's only slot (dags/planwatch_nightly.py, DUCKDB_POOL).
airflow pools set planwatch_duckdb 1 "serialises every writer of the planwatch DuckDB files"

# The simple auth manager reads {user: password} from this file; the password comes from docker/.env.
python - <<'PY'
import json
import os
from pathlib import Path

path = Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
users = [entry.split(":")[0] for entry in os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"].split(",")]
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps({user: os.environ["AIRFLOW_ADMIN_PASSWORD"] for user in users}))
path.chmod(0o640)
print(f"planwatch: password of {', '.join(users)} written to {path}")
PY

# The state volume: a new named volume is seeded from the image, a bind mount may be empty.
mkdir -p "${PLANWATCH_STATE_DIR}/landing" "${PLANWATCH_STATE_DIR}/quarantine" \
    "${PLANWATCH_STATE_DIR}/warehouse" "${PLANWATCH_STATE_DIR}/reports"
planwatch sources check
echo "planwatch: Airflow initialised; warehouse under ${PLANWATCH_STATE_DIR}/warehouse"
