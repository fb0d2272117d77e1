"""Texts for the demo petitions: what petitioners write, what the replies say, and the names
and places of the invented city of 临江市. Names and places are invented; the situations are
the everyday work of street offices, villages, a resettlement bureau, a mine and a school.

Petition texts are `str.format` templates. The demo loader fills these fields:
    name, street, home, estate, road, no, building, room, village, group, site,
    year, month, months, amount (万元), money (元), headcount,
    accused_unit, accused_title, accused_name.
"""

from xinfang.demo.petitions.texts.land import LAND
from xinfang.demo.petitions.texts.living import LIVING
from xinfang.demo.petitions.texts.other import OTHER
from xinfang.demo.petitions.texts.people import (
    ACCUSED_TITLES,
    FEMALE_GIVEN,
    GROUP_NUMERALS,
    ID_REGIONS,
    MALE_GIVEN,
    MOBILE_PREFIXES,
    POOLS,
    SITE_STREETS,
    SURNAMES,
    Pool,
)
from xinfang.demo.petitions.texts.replies import (
    ACCEPT_NOTES,
    ASSIGN_INSTRUCTIONS,
    EXTENSION_REASONS,
    HANDLER_INSTRUCTIONS,
    RE_REVIEW_FINAL,
    RE_REVIEW_REASONS,
    RETURN_REASONS,
    REVIEW_REASONS,
    REVIEW_TEXTS,
    TERMINATE_REASON,
    ReviewText,
)
from xinfang.demo.petitions.texts.template import (
    ACCUSE_OFFICE,
    ACCUSE_VILLAGE,
    ANY,
    DISTRICT,
    LITIGATION,
    MINE,
    RESETTLE,
    RURAL,
    SCHOOL,
    URBAN,
    Template,
)

TEMPLATES: tuple[Template, ...] = LAND + LIVING + OTHER

__all__ = [
    "ACCEPT_NOTES",
    "ACCUSED_TITLES",
    "ACCUSE_OFFICE",
    "ACCUSE_VILLAGE",
    "ANY",
    "ASSIGN_INSTRUCTIONS",
    "DISTRICT",
    "EXTENSION_REASONS",
    "FEMALE_GIVEN",
    "GROUP_NUMERALS",
    "HANDLER_INSTRUCTIONS",
    "ID_REGIONS",
    "LITIGATION",
    "MALE_GIVEN",
    "MINE",
    "MOBILE_PREFIXES",
    "POOLS",
    "RESETTLE",
    "RETURN_REASONS",
    "REVIEW_REASONS",
    "REVIEW_TEXTS",
    "RE_REVIEW_FINAL",
    "RE_REVIEW_REASONS",
    "RURAL",
    "SCHOOL",
    "SITE_STREETS",
    "SURNAMES",
    "TEMPLATES",
    "TERMINATE_REASON",
    "URBAN",
    "Pool",
    "ReviewText",
    "Template",
]
