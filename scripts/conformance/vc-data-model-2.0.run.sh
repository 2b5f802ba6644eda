#!/usr/bin/env bash
# The W3C Verifiable Credentials Data Model 2.0 suite against the VC-API.
set -euo pipefail
suite=vc-data-model-2.0
source "$(dirname "$0")/vc-api.lib.sh"
