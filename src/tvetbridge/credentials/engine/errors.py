"""One error type for everything a credential can get wrong, with a stable code and named parameters.

The code and parameters are what callers store and show: the web layer turns them into a sentence in
the reader's language; the VC-API returns them as they are. The English text is for logs and tests.
"""

from __future__ import annotations

from typing import Any


class CredentialError(ValueError):
    """A credential, presentation or proof that cannot be processed or does not verify."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self), "params": self.params}


class ContextNotShipped(CredentialError):
    """A JSON-LD context URL that is not among the contexts shipped with the platform."""

    def __init__(self, url: str) -> None:
        super().__init__("context_not_shipped",
                         f"The JSON-LD context {url!r} is not one of the contexts this platform ships; "
                         "documents are never fetched from the network.", url=url)
