"""The planner: draws the demo cases, the people who bring them and the texts they write, and
gives each a timeline, all from one seeded random generator and in pure Python."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from xinfang.demo.petitions import texts
from xinfang.demo.petitions.cases import (
    CHANNELS,
    KEY_PREFIX,
    LAPSE,
    LAPSE_REVIEW,
    RE_REVIEW,
    RE_REVIEW_STATES,
    REVIEW_STATES,
    SEED,
    C,
    Case,
    S,
    Slot,
    fits_route,
    needs_village,
    quotas,
    slot,
)
from xinfang.demo.petitions.routes import CN_ACCUSED, ROUTES, UNIT_NAMES, Route
from xinfang.demo.petitions.scripted import scripted_cases
from xinfang.demo.petitions.texts import LITIGATION, RESETTLE, RURAL, SCHOOL, URBAN, Template
from xinfang.demo.petitions.timeline import Timeline
from xinfang.petitions.identity import random_id_number
from xinfang.petitions.models import DeclineReason, Difficulty
from xinfang.petitions.services import PersonInput


class _Fmt(dict):
    """Format fields for the texts; a missing field is a template bug and fails loudly."""

    def __missing__(self, key: str) -> str:
        raise KeyError(f"demo text field {{{key}}} has no value")


class Planner:
    """Draws the cases and their timelines from one seeded random generator."""

    def __init__(self, now: datetime, count: int) -> None:
        self.now = timezone.localtime(now)
        self.count = count
        self.rng = random.Random(SEED)
        self.timeline = Timeline(self.now, self.rng)
        self.cases: list[Case] = []
        self.by_category: dict[str, list[Template]] = {}
        for t in texts.TEMPLATES:
            self.by_category.setdefault(t.category.split(".")[0], []).append(t)
        self.templates = {t.key: t for t in texts.TEMPLATES}
        # Random cases take the categories in turn, and each category's templates in turn.
        self.categories = sorted(self.by_category)
        self.rng.shuffle(self.categories)
        self.cursor = 0
        self.used: dict[str, int] = {}

    def plan(self) -> list[Case]:
        """Every case with its timeline, in the order they must be played."""
        for case in scripted_cases(self):
            if len(self.cases) >= self.count:
                break
            self._add(case)
        remaining = self.count - len(self.cases)
        for group in self._fill(remaining):
            for case in group:
                self._add(case)
        return self.cases

    def _add(self, case: Case) -> None:
        case.key = f"{KEY_PREFIX}{len(self.cases) + 1:04d}"
        if case.repeat_of:
            # The same person about the same matter, from the same home.
            earlier = case.repeat_of
            case.people, case.reps, case.headcount = earlier.people, earlier.reps, earlier.headcount
            case.anonymous, case.rural, case.pool = False, earlier.rural, earlier.pool
            case.village, case.group = earlier.village, earlier.group
            case.road, case.estate = earlier.road, earlier.estate
        self.timeline.schedule(case)
        self._fill_texts(case)
        self.cases.append(case)

    # ----- one case ------------------------------------------------------------------------

    def new(
        self,
        template: Template,
        route: Route,
        target: Slot,
        channel: str,
        *,
        headcount: int | None = None,
        anonymous: bool | None = None,
        **overrides: Any,
    ) -> Case:
        """A case about template on route, to reach target; overrides set Case fields."""
        rng = self.rng
        candidates = [texts.POOLS[p] for p in route.pools]
        if needs_village(template):
            candidates = [p for p in candidates if p.villages] or candidates
        pool = rng.choice(candidates)
        if template.accusation and anonymous is None:
            # Someone who writes "实名反映" is not anonymous; nobody can ask for a review
            # on behalf of an anonymous writer.
            anonymous = (
                rng.random() < 0.4
                and "实名" not in template.content
                and target.state not in REVIEW_STATES | RE_REVIEW_STATES
            )
        # An anonymous letter names nobody; it comes by letter, mailbox or online.
        if anonymous and channel not in (C.LETTER, C.MAILBOX, C.ONLINE):
            channel = C.MAILBOX
        # Only a unit's leader holds a reception day; the mine has none.
        if channel == C.RECEPTION and route.leader == "mine_desk":
            channel = C.VISIT
        case = Case(
            key="",  # numbered when added to the plan
            template=template,
            route=route,
            slot=target,
            channel=channel,
            pool=pool,
            anonymous=bool(anonymous),
            difficulty=template.difficulty,
        )
        urban_only = URBAN in template.areas and RURAL not in template.areas
        case.rural = bool(pool.villages) and (
            needs_village(template)
            or (RURAL in template.areas and URBAN not in template.areas)
            or (pool is texts.POOLS["qs"] and not urban_only)
            or (RURAL in template.areas and rng.random() < 0.5)
        )
        case.village = rng.choice(pool.villages) if pool.villages else ""
        case.group = rng.choice(texts.GROUP_NUMERALS)
        case.road, case.estate = rng.choice(pool.roads), rng.choice(pool.estates)
        case.no = rng.randint(1, 168)
        case.flat = f"{rng.randint(1, 12)}栋{rng.randint(1, 6)}0{rng.randint(1, 4)}室"
        if template.collective or (headcount or 0) >= 5:
            n = headcount or rng.choice((5, 6, 8, 9, 12, 15, 18, 23, 30, 46))
            case.headcount = n
            case.reps = self.people(case, min(5, rng.randint(2, 5), n))
            case.people = [case.reps[0]]
            hard = template.difficulty == Difficulty.HARD
            case.difficulty = Difficulty.HARD if hard else Difficulty.MAJOR
            case.urgent = n >= 20 or rng.random() < 0.3
        elif not case.anonymous:
            n = headcount or (2 if rng.random() < 0.12 else 1)
            case.people = self.people(case, n)
            case.headcount = n
        if template.accusation:
            self._accused(case)
        if route.receiving in ("LJ", "LJ-CN") and route.unit not in ("LJ", "LJ-CN", "LJ-YMB"):
            case.skips_level = rng.random() < 0.35
        for name, value in overrides.items():
            setattr(case, name, value)
        return case

    def _accused(self, case: Case) -> None:
        rng = self.rng
        code = rng.choice(case.route.accused)
        name = UNIT_NAMES[code]
        kind = "street" if code in CN_ACCUSED else "village" if name.endswith("村") else "community"
        case.accused_unit = code
        case.accused_title = rng.choice(texts.ACCUSED_TITLES[kind])
        case.accused_name = f"{self._surname()}某某"

    def _surname(self) -> str:
        # Squaring favours the front of the list, where the common surnames are.
        return texts.SURNAMES[int(len(texts.SURNAMES) * self.rng.random() ** 2)]

    def people(self, case: Case, n: int) -> list[PersonInput]:
        """n petitioners for the case, the first living where the texts say."""
        return [self._person(case, first=i == 0) for i in range(n)]

    def _person(self, case: Case, first: bool) -> PersonInput:
        rng = self.rng
        female = rng.random() < 0.45
        given = rng.choice(texts.FEMALE_GIVEN if female else texts.MALE_GIVEN)
        kind = case.template.kind
        born_from, born_to = {
            "retired_cadre": (1942, 1962),
            "veteran": (1950, 1975),
            "student_parent": (1980, 1992),
            "worker": (1962, 1998),
        }.get(kind, (1948, 1990))
        days = (born_to - born_from) * 365
        birth = date(born_from, 1, 1) + timedelta(days=rng.randrange(days))
        pool = case.pool
        # The first petitioner lives where the texts say; the others nearby.
        no = case.no if first else rng.randint(1, 168)
        if case.rural:
            address = f"{pool.street}{case.village}{case.group}{no}号"
        else:
            flat = case.flat if first else f"{rng.randint(1, 12)}栋{rng.randint(1, 6)}01室"
            address = f"{pool.street}{case.road}{no}号{case.estate}{flat}"
        phone = rng.choice(texts.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        return PersonInput(
            name=self._surname() + given,
            id_number=random_id_number(rng, birth=birth, region=rng.choice(texts.ID_REGIONS)),
            phone=phone,
            address=f"临江市城南区{address}",
            kind=kind,
        )

    # ----- the random cases ----------------------------------------------------------------

    def _fill(self, n: int) -> list[list[Case]]:
        """Cases drawn to the mix, with some repeat families; groups keep families together."""
        if n <= 0:
            return []
        rng = self.rng
        families = [(self._family_terminated, max(1, n // 50))]
        families.append((self._family_open, max(1, n // 90)))
        families.append((self._family_again, max(1, n // 120)))
        n_family = sum(k for _, k in families) * 2
        singles = max(0, n - n_family)
        slots = quotas(singles)
        rng.shuffle(slots)
        groups: list[list[Case]] = []
        for i, target in enumerate(slots):
            groups.append([self._draw(target, CHANNELS[i % len(CHANNELS)])])
        for make, k in families:
            for _ in range(k):
                if sum(len(g) for g in groups) + 2 <= n:
                    groups.append(make())
        rng.shuffle(groups)
        return groups

    def _pick(self, target: Slot, plain: bool = False) -> tuple[Template, Route]:
        """The next category in rotation that has a template and a route for this slot."""
        cats = self.categories
        for i in range(len(cats)):
            cat = cats[(self.cursor + i) % len(cats)]
            choices = [
                (t, r)
                for t in self.by_category[cat]
                if not plain or not (t.collective or t.accusation or LITIGATION in t.areas)
                for r in ROUTES.values()
                if fits_route(t, r, target)
            ]
            if choices:
                self.cursor = (self.cursor + i + 1) % len(cats)
                templates = sorted({t.key for t, _ in choices})
                key = templates[self.used.get(cat, 0) % len(templates)]
                self.used[cat] = self.used.get(cat, 0) + 1
                template = self.templates[key]
                route = self.rng.choice([r for t, r in choices if t.key == key])
                return template, route
        raise LookupError(f"no template fits {target}")

    def _draw(self, target: Slot, channel: str) -> Case:
        template, route = self._pick(target)
        case = self.new(template, route, target, channel)
        if target.state == S.DECLINED:
            case.decline_reason = next(iter(target.flags))
        if template.category.startswith("mining") and route.unit == "LJ-CN-QS":
            case.co_handling = ("LJ-CN-MK",) if self.rng.random() < 0.6 else ()
        return case

    def _family_terminated(self) -> list[Case]:
        """A terminated matter, brought again and declined with the earlier decision cited."""
        target = slot(S.TERMINATED, self.rng.choice((LAPSE, LAPSE_REVIEW, RE_REVIEW)))
        first = self._first_of_family(target)
        again = self.new(
            first.template, first.route, slot(S.DECLINED), self.rng.choice(CHANNELS),
            repeat_of=first, decline_reason=DeclineReason.TERMINATED, cited=first,
        )  # fmt: skip
        return [first, again]

    def _family_open(self) -> list[Case]:
        """A matter still being handled below, brought to the district and declined there."""
        state = self.rng.choice((S.IN_PROGRESS, S.ACKNOWLEDGED))
        routes = ("dc_dh", "dc_in") if state == S.ACKNOWLEDGED else ("dc", "dc_in", "dc_dh")
        first = self._first_of_family(slot(state), routes=routes)
        first.min_age, first.end_before = 25, None
        again = self.new(
            first.template, ROUTES["cn"], slot(S.DECLINED), C.VISIT,
            repeat_of=first, decline_reason=DeclineReason.IN_PROGRESS, cited=first,
            skips_level=True,
        )  # fmt: skip
        return [first, again]

    def _family_again(self) -> list[Case]:
        """A concluded matter brought again with new facts, and accepted again."""
        first = self._first_of_family(slot(S.TERMINATED, LAPSE))
        state = self.rng.choice((S.IN_PROGRESS, S.CONCLUDED))
        again = self.new(
            first.template, first.route, slot(state), self.rng.choice(CHANNELS),
            repeat_of=first, accept_note="信访人提出新的事实和理由，予以受理。",
        )  # fmt: skip
        return [first, again]

    def _first_of_family(self, target: Slot, routes: tuple[str, ...] = ()) -> Case:
        template, route = self._pick(target, plain=True)
        if routes and route.name not in routes:
            route = ROUTES[self.rng.choice(routes)]
            if not fits_route(template, route, target):
                template = self.templates["dibao_cancelled"]
        case = self.new(template, route, target, self.rng.choice(CHANNELS), anonymous=False)
        # Leave room after it for the petitioner to come back.
        case.end_before = self.now - timedelta(days=40)
        return case

    # ----- texts ---------------------------------------------------------------------------

    def _fill_texts(self, case: Case) -> None:
        """Subject, content and reply parts with this case's names, places and numbers."""
        rng, pool, t = self.rng, case.pool, case.template
        received = case.received_at
        site = rng.choice(pool.sites) if pool.sites else "龙泉村移民安置点"
        street = texts.SITE_STREETS[site] if RESETTLE in t.areas else pool.street
        village, group = case.village or "龙泉村", case.group
        road, estate, no = case.road, case.estate, case.no
        home = f"{village}{group}" if case.rural else f"{road}{no}号{estate}"
        values = _Fmt(
            name=case.people[0].name if case.people else "",
            street=street,
            home=home,
            estate=estate,
            road=road,
            no=str(no),
            building=str(rng.randint(1, 12)),
            room=f"{rng.randint(1, 6)}0{rng.randint(1, 4)}",
            village=village,
            group=group,
            site=site,
            year=str(received.year - rng.randint(2, 8)),
            month=str(rng.randint(1, 12)),
            months=str(rng.randint(3, 9)),
            amount=f"{rng.uniform(1.5, 12):.1f}",
            money=str(rng.randrange(3000, 60000, 100)),
            headcount=str(case.headcount),
            accused_unit=UNIT_NAMES.get(case.accused_unit, ""),
            accused_title=case.accused_title,
            accused_name=case.accused_name,
        )
        for name in ("subject", "content", "request", "facts", "decision", "legal_basis"):
            case.fields[name] = getattr(t, name).format_map(values)
        where = village if case.rural else road
        case.fields["place"] = "城南区实验小学" if SCHOOL in t.areas else f"{street}{where}"
