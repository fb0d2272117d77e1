"""Who handles what: the routes a demo case can take through the demo organisation, and who
reviews the answer, by the same rule as the workflow services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xinfang.demo.petitions.texts import (
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
)
from xinfang.demo.units import TREE, Node
from xinfang.workflow.services.transition import ADMINISTRATIVE_KINDS

# ---------------------------------------------------------------------------------------------
# The demo tree, and the review rule over it
# ---------------------------------------------------------------------------------------------


def _walk(node: Node, parent: Node | None, into: dict[str, tuple[Node, str | None]]) -> None:
    into[node.code] = (node, parent.code if parent else None)
    for child in node.children:
        _walk(child, node, into)


_UNITS: dict[str, tuple[Node, str | None]] = {}
_walk(TREE, None, _UNITS)
UNIT_NAMES: dict[str, str] = {code: node.name for code, (node, _) in _UNITS.items()}


def parent_of(code: str | None) -> str | None:
    """The next-higher unit's code, or None at the top (as `transition.unit_parent`)."""
    return _UNITS[code][1] if code else None


def answering_body(code: str) -> str:
    """The administrative body that answers for a unit (as `transition.answering_body`)."""
    here: str | None = code
    while here is not None:
        if _UNITS[here][0].kind in ADMINISTRATIVE_KINDS:
            return here
        here = parent_of(here)
    return code


def reviewing_body(code: str) -> str | None:
    """The body that reviews an answer given by this unit (as `transition.reviewing_body`)."""
    return parent_of(answering_body(code))


def review_levels(code: str) -> int:
    """How many of review and re-review the system can hold for a case handled here."""
    reviewer = reviewing_body(code)
    if reviewer is None:
        return 0
    return 1 if parent_of(reviewer) is None else 2


# ---------------------------------------------------------------------------------------------
# The routes
# ---------------------------------------------------------------------------------------------

ACCEPT, ASSIGN, FORWARD, FORWARD_OUT = "accept", "assign", "forward", "forward_out"
HANDLING = frozenset({ACCEPT, ASSIGN, FORWARD})


@dataclass(frozen=True)
class Route:
    """A receiving unit, its first decision, and the accounts that act at each step."""

    name: str
    receiving: str
    registrar: str
    # Decides at the receiving unit, and registers what comes in on a reception day.
    leader: str
    decision: str
    unit: str = ""  # the unit that handles the case
    handler: str = ""
    concluder: str = ""  # the leader over the handling unit: extends and concludes
    acker: str = ""
    returner: str = ""  # empty: the case is never sent back on this route
    areas: frozenset[str] = frozenset()
    pools: tuple[str, ...] = ()
    # Units an accusation handled on this route may name: below or beside the handling unit,
    # never the unit itself or one above it (R22 Art.28, 30).
    accused: tuple[str, ...] = ()

    @property
    def internal(self) -> bool:
        """A leader's assignment to a named handler of the leader's own unit."""
        return self.decision == ASSIGN and self.unit == self.receiving

    @property
    def reviews(self) -> int:
        """0: no review in the system; 1: review; 2: review and re-review."""
        return review_levels(self.unit) if self.decision in HANDLING else 0


def _route(name: str, *areas: str, **kwargs: Any) -> Route:
    return Route(name=name, areas=frozenset(areas), **kwargs)


DC_ACCUSED = ("LJ-CN-DC-LQ", "LJ-CN-DC-GY", "LJ-CN-DC-DH")
QS_ACCUSED = ("LJ-CN-QS-SQ", "LJ-CN-QS-QS")
CN_ACCUSED = ("LJ-CN-DC", "LJ-CN-XC")

ROUTES: dict[str, Route] = {
    r.name: r
    for r in (
        _route(
            "dc", URBAN, RURAL, ANY, ACCUSE_VILLAGE, LITIGATION,
            receiving="LJ-CN-DC", registrar="dc_registrar", leader="dc_leader", decision=ACCEPT,
            unit="LJ-CN-DC", handler="dc_handler", concluder="dc_leader",
            pools=("dc",), accused=DC_ACCUSED,
        ),
        # 交办 inside the street office: dc_leader names dc_handler, who signs for it.
        _route(
            "dc_in", URBAN, RURAL, ANY, ACCUSE_VILLAGE,
            receiving="LJ-CN-DC", registrar="dc_registrar", leader="dc_leader", decision=ASSIGN,
            unit="LJ-CN-DC", handler="dc_handler", concluder="dc_leader", acker="dc_handler",
            pools=("dc",), accused=DC_ACCUSED,
        ),
        _route(
            "dc_dh", URBAN, ANY,
            receiving="LJ-CN-DC", registrar="dc_registrar", leader="dc_leader", decision=ASSIGN,
            unit="LJ-CN-DC-DH", handler="dh_handler", concluder="dc_leader", acker="dh_handler",
            returner="dh_handler", pools=("dh",),
        ),
        _route(
            "cn_dc", URBAN, RURAL, ANY, DISTRICT,
            receiving="LJ-CN", registrar="cn_registrar", leader="cn_leader", decision=ASSIGN,
            unit="LJ-CN-DC", handler="dc_handler", concluder="dc_leader", acker="dc_registrar",
            returner="dc_registrar", pools=("dc",),
        ),
        _route(
            "cn_xc", URBAN, ANY, DISTRICT,
            receiving="LJ-CN", registrar="cn_registrar", leader="cn_leader", decision=ASSIGN,
            unit="LJ-CN-XC", handler="xc_handler", concluder="xc_leader", acker="xc_handler",
            returner="xc_handler", pools=("xc",),
        ),
        _route(
            "dc_xc", URBAN, ANY,
            receiving="LJ-CN-DC", registrar="dc_registrar", leader="dc_leader", decision=FORWARD,
            unit="LJ-CN-XC", handler="xc_handler", concluder="xc_leader", acker="xc_handler",
            returner="xc_handler", pools=("xc",),
        ),
        _route(
            "qs", RURAL, ANY, MINE, ACCUSE_VILLAGE, LITIGATION,
            receiving="LJ-CN-QS", registrar="qs_leader", leader="qs_leader", decision=ACCEPT,
            unit="LJ-CN-QS", handler="qs_leader", concluder="qs_leader",
            pools=("qs",), accused=QS_ACCUSED,
        ),
        _route(
            "cn_qs", RURAL, ANY, MINE,
            receiving="LJ-CN", registrar="cn_registrar", leader="cn_leader", decision=ASSIGN,
            unit="LJ-CN-QS", handler="qs_leader", concluder="qs_leader", acker="qs_leader",
            returner="qs_leader", pools=("qs",),
        ),
        # The mine has a petition desk but no leader account: the district leader signs.
        _route(
            "cn_mk", MINE,
            receiving="LJ-CN", registrar="cn_registrar", leader="cn_leader", decision=ASSIGN,
            unit="LJ-CN-MK", handler="mine_desk", concluder="cn_leader", acker="mine_desk",
            returner="mine_desk", pools=("qs",),
        ),
        _route(
            "mk", MINE,
            receiving="LJ-CN-MK", registrar="mine_desk", leader="mine_desk", decision=ACCEPT,
            unit="LJ-CN-MK", handler="mine_desk", concluder="cn_leader", pools=("qs",),
        ),
        _route(
            "sx", SCHOOL,
            receiving="LJ-CN-SX", registrar="school_desk", leader="school_desk", decision=ACCEPT,
            unit="LJ-CN-SX", handler="school_desk", concluder="school_desk", pools=("dc", "xc"),
        ),
        # Resettlement belongs to the municipal bureau: a street office forwards it there.
        _route(
            "dc_ymb", RESETTLE,
            receiving="LJ-CN-DC", registrar="dc_registrar", leader="dc_leader", decision=FORWARD,
            unit="LJ-YMB", handler="ymb_handler", concluder="ymb_leader", acker="ymb_handler",
            returner="ymb_handler", pools=("dc",),
        ),
        _route(
            "lj_ymb", RESETTLE,
            receiving="LJ", registrar="city_leader", leader="city_leader", decision=ASSIGN,
            unit="LJ-YMB", handler="ymb_handler", concluder="ymb_leader", acker="ymb_handler",
            returner="ymb_handler", pools=("ymb",),
        ),
        _route(
            "ymb", RESETTLE,
            receiving="LJ-YMB", registrar="ymb_leader", leader="ymb_leader", decision=ACCEPT,
            unit="LJ-YMB", handler="ymb_handler", concluder="ymb_leader", pools=("ymb",),
        ),
        # The district has no handler account: its leader handles what it keeps.
        _route(
            "cn", DISTRICT, ACCUSE_OFFICE, LITIGATION, SCHOOL,
            receiving="LJ-CN", registrar="cn_registrar", leader="cn_leader", decision=ACCEPT,
            unit="LJ-CN", handler="cn_leader", concluder="cn_leader",
            pools=("dc", "xc", "qs"), accused=CN_ACCUSED,
        ),
        _route(
            "dc_out", URBAN, RURAL, ANY, ACCUSE_VILLAGE, DISTRICT,
            receiving="LJ-CN-DC", registrar="dc_registrar", leader="dc_leader",
            decision=FORWARD_OUT, pools=("dc",), accused=DC_ACCUSED,
        ),
        _route(
            "cn_out", URBAN, RURAL, ANY, DISTRICT, ACCUSE_OFFICE, MINE,
            receiving="LJ-CN", registrar="cn_registrar", leader="cn_leader",
            decision=FORWARD_OUT, pools=("dc", "xc", "qs"), accused=CN_ACCUSED,
        ),
    )
}  # fmt: skip

# Who receives and who answers a review or re-review at each reviewing body.
REVIEWERS: dict[str, tuple[str, str]] = {
    "LJ": ("city_leader", "city_leader"),
    "LJ-CN": ("cn_registrar", "cn_leader"),
}
