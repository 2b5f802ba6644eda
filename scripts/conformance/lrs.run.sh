#!/usr/bin/env bash
# The ADL xAPI LRS conformance suite, for xAPI 2.0.0 and 1.0.3 clients, against /xapi.
set -uo pipefail
: "${CONFORMANCE_BASE:?run through scripts/conformance.sh}" "${CONFORMANCE_SUITES:?}" "${CONFORMANCE_WORK:?}"
status=0
for version in 2.0.0 1.0.3; do
  read -r user pass <"$CONFORMANCE_WORK/lrs-${version%.*}.credentials"
  "$CONFORMANCE_SUITES/run-suite.sh" lrs "$CONFORMANCE_BASE/xapi" "$user" "$pass" "$version" || status=1
done
exit $status
