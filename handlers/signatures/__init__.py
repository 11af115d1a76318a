"""Signatures by capability: each signer's key (a PKCS#11 token slot or an encrypted
PKCS#12), the approval that unlocks it (the PIN, sealed into a single-use authorization),
the signature job, the commune's e-seal on receipts, and the long-term archives."""
