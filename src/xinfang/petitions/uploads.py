"""What an uploaded file really is, judged by its first bytes rather than its name."""

from __future__ import annotations

import zipfile
from io import BytesIO

# (magic prefix, offset, content type)
_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"ID3", 0, "audio/mpeg"),
    (b"\xff\xfb", 0, "audio/mpeg"),
    (b"\xff\xf3", 0, "audio/mpeg"),
    (b"#!AMR", 0, "audio/amr"),
]
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls
_OFFICE_ZIP = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
OFFICE_ZIP_TYPES = frozenset(_OFFICE_ZIP.values())
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def sniff_content_type(head: bytes, name: str) -> str | None:
    """The allowed content type these bytes are, or None when not an allowed type."""
    for magic, offset, content_type in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp" and head[8:11] in (b"M4A", b"mp4", b"iso"):
        return "audio/mp4"
    lower = name.lower()
    if head.startswith(_OLE):
        if lower.endswith(".doc"):
            return "application/msword"
        if lower.endswith(".xls"):
            return "application/vnd.ms-excel"
        return None
    if head.startswith(b"PK\x03\x04"):
        for suffix, content_type in _OFFICE_ZIP.items():
            if lower.endswith(suffix):
                return content_type
    return None


def office_zip_is_genuine(data: bytes, name: str) -> bool:
    """True when a .docx/.xlsx zip holds the part its format requires."""
    required = "word/document.xml" if name.lower().endswith(".docx") else "xl/workbook.xml"
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return required in archive.namelist()
    except zipfile.BadZipFile:
        return False
