#!/usr/bin/env bash
# Provisioning for the W3C VC suites: an institution that issues as did:key, a staff account with an
# API token that may issue as it. Files in $CONFORMANCE_WORK/vc: issuer.did, token.
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/tvetbridge credentials_client --institution conformance-vc-issuer --create "VC-API conformance issuer" \
  --username vc-api-conformance --out "$CONFORMANCE_WORK/vc" >/dev/null
