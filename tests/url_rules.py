"""What a browser sends for a link written as an IRI, for the tests of links and pages.

An independent reading of RFC 3987 §3.1 (and of the WHATWG URL standard's percent-encoding of a
UTF-8 document's links): every character outside ASCII becomes the percent-encoded bytes of its
UTF-8, in uppercase hex; every ASCII character stays as it is.
"""

from __future__ import annotations


def uri_of(iri: str) -> str:
    """Return the URI that *iri* maps to (RFC 3987 §3.1, step 2)."""
    return "".join(
        char if char.isascii() else "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
        for char in iri
    )
