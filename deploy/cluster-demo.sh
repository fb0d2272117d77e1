#!/usr/bin/env bash
# Two gunicorn processes and two Huey workers on one PostgreSQL and one Redis, on this machine:
# a petition registered through one is read through the other, and the every-minute outbox
# sweep runs once per minute although both workers' schedulers enqueue it (core/jobs.py).
# CLUSTER_DATABASE, CLUSTER_REDIS_DB, CLUSTER_PORTS, CLUSTER_MINUTES: see bench/cluster.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m bench.cluster "$@"
