"""The errors ``signing`` raises, each with a message a person can act on.

Everything derives from :class:`SigningError`, so a caller (a handler, the web layer's
error handler, a CLI command) can catch one class and show ``str(exc)``. The subclasses
let it decide what to do: ask again for a passphrase, plug the token in, renew the
certificate, retry later when the time-stamping authority is back.

No function of this package returns half a result: when one of these is raised, nothing
was written and no signed bytes were produced.
"""
from __future__ import annotations


class SigningError(Exception):
    """Base class of every error raised by the ``signing`` package."""


class RenderError(SigningError):
    """A document could not be rendered (bad input, missing font)."""


class FontNotFound(RenderError):
    """No font with the glyphs a document needs was found on disk."""


class KeyAccessError(SigningError):
    """The signing key could not be opened."""


class KeyFileError(KeyAccessError):
    """The PKCS#12 file is missing, unreadable or not a PKCS#12 file."""


class WrongPassphrase(KeyAccessError):
    """The PKCS#12 passphrase does not open the file."""


class TokenError(KeyAccessError):
    """A PKCS#11 token or its module could not be used."""


class TokenAbsent(TokenError):
    """No token with the expected label is present in any slot."""


class WrongPin(TokenError):
    """The token refused the PIN (incorrect, or the PIN is locked)."""


class KeyNotFound(KeyAccessError):
    """The key (or its certificate) is not where it was expected."""


class UnsupportedKey(KeyAccessError):
    """The key type is one this package cannot sign with."""


class CertificateProblem(SigningError):
    """The signer's certificate may not be used to sign now."""


class CertificateNotValidNow(CertificateProblem):
    """The certificate is expired or not yet valid at the signing time."""


class KeyUsageNotAllowed(CertificateProblem):
    """The certificate does not allow digital signature or non-repudiation."""


class CertificateRevoked(CertificateProblem):
    """The OCSP responder says the signer's certificate is revoked."""


class TimestampUnavailable(SigningError):
    """The time-stamping authority gave no token and a time stamp is required."""


class RevocationInfoUnavailable(SigningError):
    """The OCSP responder gave no usable answer and revocation data is required."""
