#!/usr/bin/env bash
# The W3C Data Integrity EdDSA (eddsa-rdfc-2022, eddsa-jcs-2022) suite against the VC-API.
set -euo pipefail
suite=vc-di-eddsa
source "$(dirname "$0")/vc-api.lib.sh"
