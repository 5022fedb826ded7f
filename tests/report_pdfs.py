"""Signed PDF reports for tests: fetching one, and the ways a forger might alter one (a byte changed
in the signed content, the attached JWS swapped for another in an update appended to the file)."""

from __future__ import annotations

import io
import re

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from credit.web.credit_report import ATTACHMENT


def fetch(client, uscc: str, headers: dict, **query):
    return client.get(f"/api/v1/enterprises/{uscc}/report.pdf", headers=headers, query_string=query)


def page_size(content: bytes) -> tuple[float, float]:
    """The first page's width and height in points."""
    page = PdfFileReader(io.BytesIO(content)).root["/Pages"]["/Kids"][0].get_object()
    box = [float(n) for n in page["/MediaBox"]]
    return box[2] - box[0], box[3] - box[1]


def with_a_byte_changed(content: bytes) -> bytes:
    """The same file, one byte of the signed content changed: a digit of the producer's
    version, which keeps the file readable, so only the signature can tell."""
    match = re.search(rb"/Producer \((?:\\.|[^)])*?(\d)", content)
    assert match, "the PDF names no producer"
    position = match.start(1)
    digit = b"1" if content[position : position + 1] != b"1" else b"2"
    return content[:position] + digit + content[position + 1 :]


def with_a_stream_byte_changed(content: bytes) -> bytes:
    """The same file, one byte inside the first page's drawing changed."""
    start = content.index(b"stream", content.index(b"/Contents")) + 20
    flipped = bytes([content[start] ^ 0x01])
    return content[:start] + flipped + content[start + 1 :]


def with_attachment_swapped(content: bytes, token: str) -> bytes:
    """The file with its attached JWS replaced by `token`, in an update appended after the
    signature (the way a PDF editor saves, which leaves the signed bytes as they were)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    index = [str(name) for name in list(names)[::2]].index(ATTACHMENT)
    reference = names.raw_get(2 * index + 1)
    spec = reference.get_object()
    replacement = writer.add_object(generic.StreamObject(stream_data=token.encode("ascii")))
    spec["/EF"] = generic.DictionaryObject({generic.NameObject("/F"): replacement})
    writer.mark_update(reference)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
