"""File bytes to text lines, whatever the encoding and line ends."""

import codecs

from episodes.parsing.limits import check_characters
from episodes.parsing.types import N_, TranscriptError

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a transcript file and the encoding it was read with.

    UTF-8 (with or without BOM) first, UTF-16 when a BOM says so, then
    Windows-1252, which French files from Windows tools use and which reads
    Latin-1 accents the same. Line ends come out as `\\n`.
    """
    if not data.strip():
        raise TranscriptError(N_("the file is empty"))
    text, encoding = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    check_characters(text, line=1)
    return text, encoding


def _decode(data: bytes) -> tuple[str, str]:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError as error:
                message = N_("the file says it is %(encoding)s but is not: %(reason)s")
                raise TranscriptError(message, encoding=encoding, reason=error.reason) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # The five bytes cp1252 leaves undefined are C1 controls in Latin-1.
        return data.decode("latin-1"), "latin-1"
