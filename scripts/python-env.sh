#!/usr/bin/env bash
# Creates .venv/ at the package root with the third-party verifiers the tests judge Rollout's
# signed callbacks with: the official `stripe` SDK and `paytr-python`, pinned to the versions
# billing/SPEC.md was checked against; python-dotenv, which judges the .env files set_env writes;
# and check-jsonschema, the validator the schema tests judge `rollout schema` with. Idempotent:
# when .venv already holds exactly
# these pins it returns at once without touching the network.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=(stripe==16.1.0 paytr-python==0.3.0 python-dotenv==1.2.1 check-jsonschema==0.39.0)
venv=.venv
stamp="$venv/.rollout-requirements"
wanted="${requirements[*]}"

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi

python="${PYTHON:-python3}"
if ! "$python" -m venv --help >/dev/null 2>&1; then
  echo "python-env: '$python -m venv' is not available; install python3-venv (scripts/install-system-packages.sh)" >&2
  exit 1
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
printf '%s' "$wanted" > "$stamp"
echo "python-env: $venv ready with $wanted"
