#!/usr/bin/env bash
# Run one phase of `make test`, printing its name and how long it took.
name=$1; shift
start=$(date +%s)
echo "=== phase: $name"
"$@"; rc=$?
echo "=== phase: $name took $(( $(date +%s) - start ))s (exit $rc)"
exit $rc
