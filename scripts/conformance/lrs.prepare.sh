#!/usr/bin/env bash
# Provision the xAPI clients the ADL LRS suite signs in with, in the throw-away conformance database:
# one per xAPI version, since a request without X-Experience-API-Version is answered in the version
# its client is registered for.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${CONFORMANCE_WORK:?run through scripts/conformance.sh}"
for version in 2.0 1.0; do
  user=conformance-lrs-$version
  pass=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')
  .venv/bin/tvetbridge lrs_client --name "ADL LRS conformance suite ($version)" --key "$user" --secret "$pass" \
    --scope all --xapi-version "$version" >/dev/null
  printf '%s %s\n' "$user" "$pass" >"$CONFORMANCE_WORK/lrs-$version.credentials"
done
