"""Walk the whole URL conf as one account and look for strings in every answer.

Every route is requested (GET, and POST with an empty body rolled back afterwards), each path
parameter filled with values that exist: the ids of every row that refers to the cases
under test or holds one of the searched strings, found by scanning all models, so a new
endpoint or a new table is covered without touching this file.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

from django.apps import apps
from django.conf import settings
from django.core.handlers import wsgi
from django.db import models, transaction
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Django's own admin is for superusers; the schema and its viewer are built from the code,
# not the data (and take a second each to build).
SKIPPED = {"api/v1/schema/", "api/v1/docs/"}
PROJECT_APPS = (
    "petitions",
    "workflow",
    "notifications",
    "prevention",
    "portal",
    "audit",
    "units",
    "backlog",
)
# A route under a case names the case by its pk: any other id can only answer 404.
CASE_ROUTE = re.compile(r"(?:api/v1/)?petitions/<pk>/")
ROUTE_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
REGEX_PARAM = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>(?:[^()]|\([^()]*\))*)\)")


def routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    """Every route of the URL conf, as a template like "petitions/<pk>/" (regexes too)."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        text = _template(p.pattern)
        if isinstance(p, URLResolver):
            yield from routes(p, prefix + text)
        elif isinstance(p, URLPattern):
            yield prefix + text


def _template(pattern) -> str:
    text = str(pattern)
    if hasattr(pattern, "_route"):  # path(): <int:pk>
        return ROUTE_PARAM.sub(lambda m: "<" + m["name"] + ">", text)
    text = REGEX_PARAM.sub(lambda m: "<" + m["name"] + "=" + m["body"] + ">", text)
    return text.lstrip("^").rstrip("$").replace("\\.", ".").replace("\\/", "/")


def params_of(template: str) -> list[tuple[str, str]]:
    """(name, regex alternatives or "") of each parameter in a route template."""
    return [
        (m.group(1), m.group(2) or "") for m in re.finditer(r"<(\w+)(?:=((?:[^<>])*))?>", template)
    ]


def fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"<(\w+)(?:=(?:[^<>])*)?>", lambda m: quote(str(values[m.group(1)])), template)


ALL_KEYS = "*"
PROBE_KEY = "walk-probe"


class _ReadQueryDict(QueryDict):
    """request.GET noting the keys the code read (ALL_KEYS once it was listed):
    a query key a route never reads cannot change what that route answers. Its length is
    not noted: the walk compares one-key queries with a one-key probe."""

    reads: set[str] | None = None  # set while a request is walked

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._noting = True  # parsing the query string is not reading it

    def _note(self, key: str) -> None:
        if getattr(self, "_noting", False) and _ReadQueryDict.reads is not None:
            _ReadQueryDict.reads.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)

    def _all(self, method: str, *args):
        self._note(ALL_KEYS)
        return getattr(super(), method)(*args)

    def __iter__(self):
        return self._all("__iter__")

    def __len__(self) -> int:
        # The length of a one-key query is the same whatever the key: not a read of a key.
        return super().__len__()

    def keys(self):
        return self._all("keys")

    def items(self):
        return self._all("items")

    def lists(self):
        return self._all("lists")

    def values(self):
        return self._all("values")

    def dict(self):
        return self._all("dict")

    def copy(self):
        # A copy notes its own reads; copying is not reading.
        self._noting = False
        try:
            return super().copy()
        finally:
            self._noting = True

    def urlencode(self, safe=None):
        # Written back into links and forms: an echo of the query, which is not a leak.
        self._noting = False
        try:
            return super().urlencode(safe)
        finally:
            self._noting = True


@dataclass
class Leak:
    account: str
    method: str
    url: str
    status: int
    canary: str
    form: str


@dataclass
class Walk:
    """What to search for, and with which values to fill the routes."""

    canaries: dict[str, str]
    ids: set[int]
    petition_ids: set[int]
    attachment_ids: set[int]
    texts: dict[str, set[str]] = field(default_factory=dict)
    queries: list[dict[str, str]] = field(default_factory=list)
    requests: int = 0
    errors: list[tuple[str, str, int]] = field(default_factory=list)

    def values_for(self, name: str, alternatives: str) -> list[str]:
        if name in self.texts:
            return sorted(self.texts[name])
        if alternatives and re.fullmatch(r"[\w|]+", alternatives):
            return alternatives.split("|")
        if name in ("attachment_id",):
            return [str(i) for i in sorted(self.attachment_ids)]
        if name in ("petition_id",):
            return [str(i) for i in sorted(self.petition_ids)]
        return [str(i) for i in sorted(self.ids)]

    def urls(self) -> Iterator[tuple[str, str, dict[str, str], list[str]]]:
        """Every route filled every way (route, url, query, the values filled in), with the
        query strings for routes without parameters."""
        seen: set[str] = set()
        for template in routes():
            if template.startswith("admin/") or template in SKIPPED:
                continue
            params = params_of(template)
            if not params:
                for query in [{}, *self.queries]:
                    yield template, "/" + template, query, []
                continue
            names = [n for n, _ in params]
            choices = []
            for name, alternatives in params:
                vals = self.values_for(name, alternatives)
                # A case's routes, and two ids in one route (the case first, then its own rows).
                two_ids = len(params) > 1 and any(n.endswith("_id") for n in names)
                if name == "pk" and (two_ids or CASE_ROUTE.match(template)):
                    vals = [str(i) for i in sorted(self.petition_ids)]
                choices.append(vals)
            for combo in itertools.product(*choices):
                url = "/" + fill(template, dict(zip(names, combo, strict=True)))
                if url not in seen:
                    seen.add(url)
                    yield template, url, {}, list(combo)

    def run(self, client: Client, user, *, skip: Iterable[str] = ()) -> list[Leak]:
        """Request everything as the user; the canaries found, by where."""
        # Thousands of 404s and 405s are expected here; their log lines only cost time.
        logging.getLogger("django.request").setLevel(logging.ERROR)
        client.force_login(user)
        asking = _Asking(self, client, user, set(skip))
        # The query keys a route without parameters reads when asked with one key it does
        # not know: a one-key query on a key it never reads takes the same path there and
        # gives the same answer, so it is not sent.
        read: dict[str, set[str]] = {}
        for template, url, query, filled in self.urls():
            if len(query) == 1 and (template, "get") not in asking.refused:
                if template not in read:
                    read[template] = asking.ask(template, "get", url, {PROBE_KEY: "1"}, [])
                if ALL_KEYS not in read[template] and not read[template] & set(query):
                    continue
            for method in ("get", "post") if not query else ("get",):
                if (template, method) not in asking.refused:
                    asking.ask(template, method, url, query, filled)
        return asking.leaks

    @staticmethod
    def _request(
        client: Client, method: str, url: str, query: dict, reads: set[str]
    ) -> tuple[bytes, int]:
        plain = wsgi.QueryDict
        wsgi.QueryDict, _ReadQueryDict.reads = _ReadQueryDict, reads
        try:
            with transaction.atomic():
                response = client.get(url, query) if method == "get" else client.post(url, {})
                body = b"".join(response) if response.streaming else response.content
                # A POST that did something is undone, so every account sees the same data.
                transaction.set_rollback(True)
        finally:
            wsgi.QueryDict, _ReadQueryDict.reads = plain, None
        return body, response.status_code


@dataclass
class _Asking:
    """One account's requests of a walk, and what they found."""

    walk: Walk
    client: Client
    user: object
    skip: set[str]
    leaks: list[Leak] = field(default_factory=list)
    refused: set[tuple[str, str]] = field(default_factory=set)  # answered 405 already

    def ask(self, template: str, method: str, url: str, query: dict, filled: list[str]):
        """Request once, note leaks and errors; the query keys the code read."""
        client, session = self.client, settings.SESSION_COOKIE_NAME
        if not client.cookies.get(session, None) or not client.cookies[session].value:
            client.force_login(self.user)  # the logout route was walked too
        reads: set[str] = set()
        body, status = Walk._request(client, method, url, query, reads)
        self.walk.requests += 1
        if status == 405:
            self.refused.add((template, method))
        if status >= 500:
            self.walk.errors.append((method.upper(), url, status))
        # What the request itself carried is echoed by forms and links: not a leak.
        echoed = [*query.values(), url, *(v for v in filled if len(v) >= 6)]
        for value in echoed:
            for form in {value, quote(value), quote(value, safe=""), quote_plus(value)}:
                body = body.replace(form.encode(), b"")
        for name, canary in self.walk.canaries.items():
            if name not in self.skip and (form := found_in(body, canary)):
                self.leaks.append(Leak(self.user.username, method.upper(), url, status, name, form))
        return reads


def encodings(canary: str) -> dict[str, bytes]:
    """The forms a string may take in an answer: as is, JSON-escaped, URL-encoded, base64."""
    raw = canary.encode()
    return {
        "raw": raw,
        "json": json.dumps(canary).strip('"').encode(),
        "url": quote(canary).encode(),
        "url+": quote(canary, safe="").encode(),
        "base64": base64.b64encode(raw).rstrip(b"="),
        "base64url": base64.urlsafe_b64encode(raw).rstrip(b"="),
    }


def found_in(body: bytes, canary: str) -> str:
    """The name of the first form of the canary the body holds, or ""."""
    for form, needle in encodings(canary).items():
        if needle and needle in body:
            return form
    return ""


def ids_touching(petition_ids: set[int], strings: Iterable[str]) -> set[int]:
    """Primary keys of every row of the project's models that refers to these cases (or to
    their petitioners) or holds one of the strings in a plain text column."""
    from xinfang.petitions.models import Petition, PetitionParty

    person_ids = set(
        PetitionParty.objects.filter(petition_id__in=petition_ids).values_list(
            "petitioner_id", flat=True
        )
    )
    found = set(petition_ids) | person_ids
    strings = [s for s in strings if s]
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        q = models.Q(pk__in=[])
        for f in model._meta.get_fields():
            if getattr(f, "many_to_one", False) or getattr(f, "one_to_one", False):
                if not f.concrete:
                    continue
                if f.related_model is Petition:
                    q |= models.Q(**{f"{f.name}_id__in": petition_ids})
                elif f.related_model._meta.model_name == "petitioner":
                    q |= models.Q(**{f"{f.name}_id__in": person_ids})
            elif isinstance(f, models.CharField | models.TextField) and f.concrete:
                if type(f).__name__.startswith("Encrypted"):
                    continue
                for s in strings:
                    q |= models.Q(**{f"{f.name}__contains": s})
        found |= set(model.objects.filter(q).values_list("pk", flat=True))
    return {int(i) for i in found if isinstance(i, int)}
