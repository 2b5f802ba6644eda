#!/usr/bin/env bash
# Shared by the W3C Verifiable Credentials Data Model 2.0 and Data Integrity EdDSA runs against the
# VC-API (sourced by vc-data-model-2.0.run.sh and vc-di-eddsa.run.sh, with $suite set; not a suite itself).
# The suites send their Authorization header only over https (the VC 2.0 suite posts plain http without
# it), so a TLS front on a free loopback port (self-signed, which the suites accept) forwards to the
# platform. The token is read from the provisioned file by the config, never written into it.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$CONFORMANCE_WORK/vc"
config_dir=$(mktemp -d "$work/$suite.XXXX")
tls_port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/python scripts/conformance/tls_forward.py --listen "$tls_port" --to "$CONFORMANCE_BASE" --work "$work" &
proxy=$!
trap 'kill $proxy 2>/dev/null || true; wait $proxy 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  .venv/bin/python -c "import socket,sys; socket.create_connection(('127.0.0.1', $tls_port), 1)" 2>/dev/null && break
  sleep 0.2
done
base="https://127.0.0.1:$tls_port"
cat >"$config_dir/config.cjs" <<CONFIG
const fs = require('fs');
const base = '$base';
const id = fs.readFileSync('$work/issuer.did', 'utf8').trim();
const headers = {Authorization: 'Bearer ' + fs.readFileSync('$work/token', 'utf8').trim()};
module.exports = {
  settings: {enableInteropTests: false, testAllImplementations: false},
  implementations: [{
    name: 'TVET Bridge', implementation: 'TVET Bridge VC-API',
    issuers: [
      {id, endpoint: base + '/credentials/issue', headers, tags: ['vc2.0', 'eddsa-rdfc-2022'],
       supports: {vc: ['1.1', '2.0']}},
      {id, endpoint: base + '/credentials/issue?cryptosuite=eddsa-jcs-2022', headers, tags: ['eddsa-jcs-2022'],
       supports: {vc: ['1.1', '2.0']}}],
    verifiers: [
      {id, endpoint: base + '/credentials/verify', tags: ['vc2.0', 'eddsa-rdfc-2022', 'eddsa-jcs-2022']}],
    vpVerifiers: [
      {id, endpoint: base + '/presentations/verify', tags: ['vc2.0']}]
  }]
};
CONFIG
# The runner's last line ("<suite>: N passed, N failed") is this script's last line too.
"$CONFORMANCE_SUITES/run-suite.sh" "$suite" "$config_dir/config.cjs"
