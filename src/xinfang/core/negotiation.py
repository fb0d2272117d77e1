"""DRF's content negotiation, with a shortcut for the commonest Accept header."""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation

# What would make a header or a media type more than one plain type: DRF parses those.
_NOT_PLAIN = frozenset(",;*")


class PlainAcceptNegotiation(DefaultContentNegotiation):
    """DefaultContentNegotiation, answering without parsing when the Accept header is exactly
    the first renderer's media type (`Accept: application/json` to a JSON API view): DRF
    would pick that renderer and that type too, after parsing the header and every renderer's
    type into objects on each request. Anything else (a list, parameters, wildcards, another
    type, `?format=`, a format suffix) is negotiated by DRF itself."""

    def select_renderer(self, request, renderers, format_suffix=None):  # type: ignore[no-untyped-def]
        header = request.META.get("HTTP_ACCEPT")
        if (
            header
            and renderers
            and format_suffix is None
            and header == renderers[0].media_type
            and _NOT_PLAIN.isdisjoint(header)
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], header
        return super().select_renderer(request, renderers, format_suffix)
