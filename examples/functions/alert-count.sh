#!/bin/sh
# Alert_count: the function the seed runbook calls first. It counts the
# executions of a state machine that FAILED recently and answers
#   {"failed_count": N, "event": <the payload it was given>}
# so the runbook's "OutputPath": "$.Payload" and its Choice on
# $.failed_count and $.event.detail.alarmName work as on AWS.
#
# firstline runs it as a `kind: Function` Command (alert-count.yaml): the
# payload arrives as JSON on standard input, the JSON printed on standard
# output is the result. A non-zero exit fails the task with Lambda.Unknown
# and the end of standard error as its cause.
#
# Settings (from the Function's Env): FIRSTLINE_URL and FIRSTLINE_TOKEN for
# the CLI (a viewer token is enough), STATE_MACHINE (default
# first-response), WINDOW (default 5m), FIRSTLINE_BIN (default: firstline
# on PATH). POSIX sh, no jq.
set -eu

payload=$(cat)
machine=${STATE_MACHINE:-first-response}
window=${WINDOW:-5m}

# -o json prints one "executionArn" line per execution; --all follows
# every page.
list=$("${FIRSTLINE_BIN:-firstline}" executions list --state-machine "$machine" \
  --status-filter FAILED --since "$window" --all -o json)
count=$(printf '%s\n' "$list" | grep -c '"executionArn"' || true)

printf '{"failed_count": %s, "event": %s}\n' "${count:-0}" "${payload:-null}"
