#!/usr/bin/env bash
# Container entry point: wait for the database, apply the migrations, then run
# the command given (default: tafiti serve).
#
#   TAFITI_DATABASE_WAIT_SECONDS  how long to wait for the database (default 120)
#   TAFITI_MIGRATE                "false" skips the migrations (JupyterLab sets it:
#                                 the pipeline container applies them)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

python "${here}/wait_for_database.py" --timeout "${TAFITI_DATABASE_WAIT_SECONDS:-120}"

if [ "${TAFITI_MIGRATE:-true}" != "false" ]; then
    tafiti db upgrade
fi

if [ "$#" -eq 0 ]; then
    set -- tafiti serve
fi
exec "$@"
