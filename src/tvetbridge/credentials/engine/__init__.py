"""Pure computation for credentials: JSON-LD canonicalisation over shipped contexts, JCS, Ed25519
Data Integrity proofs (eddsa-rdfc-2022, eddsa-jcs-2022), Bitstring Status Lists, the verification
report, and the referencing / credit-transfer / recognition proposals.

No Django here (import-linter enforces it): every function takes plain data and returns plain data or
small typed results, so the W3C test vectors and the conformance suites exercise exactly this code.
"""
