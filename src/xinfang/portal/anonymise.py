"""Removing personal data from text that is about to become public (政务公开, Open311).

It strips what the system knows about a case's people (the petitioners' and representatives'
names and addresses, an accused person's name) and whatever looks like an identity number,
a phone number or a street address. Names become surname + 某 ("王建国" -> "王某"), the way
published decisions name people. It cannot know every name a text mentions: staff read the
result before they publish it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from xinfang.petitions.models import Petition

ID_NUMBER_MASK = "[身份证号码已隐去]"
PHONE_MASK = "[电话号码已隐去]"
ADDRESS_MASK = "[地址已隐去]"

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<![\d-])0\d{2,3}[-\s]?\d{7,8}(?!\d)")
# A number as addresses write it: 12, B, 十二, 五〇一.
_NUM = r"[\dA-Za-z〇零一二三四五六七八九十百两]+"
# One part of a flat's address after the building: 2单元, 5层, 501室, 1203号房, 3-2-501.
_PART = (
    rf"[-\s]?(?:{_NUM}(?:号楼|栋|幢|座|单元|楼|层|室|号房|房|号|户)|\d{{1,3}}(?:-\d{{1,4}}){{1,2}})"
)
# A bare room number right after a building or a unit: "5号楼1203", "2单元302".
_BARE_ROOM = r"(?:(?<=号楼)|(?<=[栋幢座])|(?<=单元))[-\s]?\d{2,5}(?![\d.%年月日元个天])"
_FLAT_TAIL = rf"(?:{_PART})*(?:{_BARE_ROOM})?"
# The house part of a street address: "东湖路12号3栋2单元501室" keeps "东湖路" and loses the rest,
# so the text still reads ("疏通东湖路××号门口的下水道").
# "号" of "1号楼" is a building, not a house number ("锦绣新村1号楼101" is the estate's).
_HOUSE_NUMBER = re.compile(
    rf"(路|街|大道|巷|弄|胡同|村|组){_NUM}号(?!楼[-\s]?\d)(?:院)?{_FLAT_TAIL}"
)
# A building in a named estate and everything after it: "幸福小区5号楼1203" -> "幸福小区××栋".
_ESTATE = r"(小区|花园|公寓|家园|新村|苑|大厦|广场|社区|院)"
_BUILDING = re.compile(rf"{_ESTATE}{_NUM}(?:号楼|栋|幢|座){_FLAT_TAIL}")
# "东湖小区3-2-501": building, unit and flat written with dashes after the estate's name.
_DASHED = re.compile(rf"{_ESTATE}\d{{1,3}}(?:-\d{{1,4}}){{1,2}}(?![\d-])")
# A flat with no street or estate before it: "3栋2单元501室", "5号楼1203", "2单元302". A
# building alone ("3栋") is left: it names no one's home.
_FLAT = re.compile(
    rf"(?<![\dA-Za-z]){_NUM}(?:号楼|栋|幢|座|单元)(?:(?:{_PART})+(?:{_BARE_ROOM})?|{_BARE_ROOM})"
)
# A room number on its own: "401房", "501室", "1203号房".
_ROOM = re.compile(r"(?<![\d-])\d{3,4}(?:号房|室|房)")
FLAT_MASK = "××"
# Two-character surnames common enough to matter; otherwise the first character is the surname.
_COMPOUND_SURNAMES = (
    *("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容"),
    *("长孙", "宇文", "司徒", "夏侯", "令狐", "端木", "西门", "南宫"),
)


def pseudonym(name: str) -> str:
    """Surname + 某 for a Chinese name; 某某 when the name is not a plain Chinese name."""
    name = (name or "").strip()
    if not re.fullmatch(r"[\u4e00-\u9fa5·]{2,12}", name):
        return "某某"
    for surname in _COMPOUND_SURNAMES:
        if name.startswith(surname) and len(name) > len(surname):
            return surname + "某"
    return name[0] + "某"


def anonymise_text(text: str, *, names: Iterable[str] = (), addresses: Iterable[str] = ()) -> str:
    """The text with the given names and addresses, identity numbers, phone numbers,
    house numbers and flat or room numbers replaced; streets, estates and communities stay."""
    if not text:
        return ""
    result = unicodedata.normalize("NFC", text)
    # Longest first, so a longer string goes before a shorter one inside it.
    for address in sorted({a.strip() for a in addresses if a and len(a.strip()) >= 4}, key=len)[
        ::-1
    ]:
        result = result.replace(address, ADDRESS_MASK)
    # Names before the patterns, which would otherwise take a name into an address.
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len)[::-1]:
        result = result.replace(name, pseudonym(name))
    result = _ID_NUMBER.sub(ID_NUMBER_MASK, result)
    result = _MOBILE.sub(PHONE_MASK, result)
    result = _LANDLINE.sub(PHONE_MASK, result)
    result = _HOUSE_NUMBER.sub(r"\1××号", result)
    result = _BUILDING.sub(r"\1××栋", result)
    result = _DASHED.sub(rf"\1{FLAT_MASK}", result)
    result = _FLAT.sub(FLAT_MASK, result)
    result = _ROOM.sub(FLAT_MASK, result)
    return result


def case_people(petition: Petition) -> tuple[list[str], list[str]]:
    """The names and addresses of a case's people: its petitioners and representatives, and
    an accusation's accused person."""
    names: list[str] = []
    addresses: list[str] = []
    # .all(): a caller listing many cases prefetches "parties__petitioner".
    for party in petition.parties.all():
        names.append(party.petitioner.name)
        addresses.append(party.petitioner.address)
    if petition.accused_person:
        names.extend(re.split(r"[，,、；;\s]+", petition.accused_person))
    return [n for n in names if n], [a for a in addresses if a]


def anonymise_for_case(petition: Petition, text: str) -> str:
    """The text with the case's people and any identifiers removed."""
    names, addresses = case_people(petition)
    return anonymise_text(text, names=names, addresses=addresses)
