"""REST API of the user dictionary (分词词典), for admins.

GET /api/v1/dictionary/ : the words added, newest first, and the state of the index rebuild.
POST /api/v1/dictionary/ {"words": "幸福村 ns\\n老旧小区改造"} : add words, one a line.
DELETE /api/v1/dictionary/{id}/ : remove one.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.core.errors import ValidationFailed
from xinfang.petitions.dictionary import (
    dictionary_change_refusal,
    dictionary_word_remove,
    dictionary_words_add,
    search_reindex_state,
)
from xinfang.petitions.dictionary_models import DictionaryWord


class DictionaryWordSerializer(serializers.ModelSerializer):
    class Meta:
        model = DictionaryWord
        fields = ["id", "word", "freq", "tag", "added_at"]


class ReindexStateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["queued", "running", "done", "failed"])
    fingerprint = serializers.CharField(help_text="上次重建所用词典的指纹")
    current_fingerprint = serializers.CharField(help_text="当前词典的指纹")
    stale = serializers.BooleanField(help_text="词典已修改而索引尚未按新词重建")
    done = serializers.IntegerField()
    total = serializers.IntegerField(allow_null=True)
    at = serializers.CharField(allow_null=True)


def _body() -> dict:
    words = DictionaryWord.objects.order_by("-pk")
    return {
        "results": DictionaryWordSerializer(words, many=True).data,
        "reindex": search_reindex_state(),
    }


DictionaryBody = inline_serializer(
    "Dictionary",
    {
        "results": DictionaryWordSerializer(many=True),
        "reindex": ReindexStateSerializer(),
    },
)


class DictionaryApi(APIView):
    """The user dictionary: words cut whole by search and similar cases (admins only)."""

    @extend_schema(responses=DictionaryBody)
    def get(self, request: Request) -> Response:
        refusal = dictionary_change_refusal(request.user)
        if refusal:
            raise refusal
        return Response(_body())

    @extend_schema(
        request=inline_serializer(
            "DictionaryAdd",
            {"words": serializers.CharField(help_text="每行一个：词语 [词频] [词性]")},
        ),
        responses={201: DictionaryBody},
    )
    def post(self, request: Request) -> Response:
        words = request.data.get("words") if isinstance(request.data, dict) else None
        if not isinstance(words, str):
            raise ValidationFailed("words 应为文字，每行一个词语。", {"field": "words"})
        dictionary_words_add(actor=request.user, text=words)
        return Response(_body(), status=status.HTTP_201_CREATED)


class DictionaryWordApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        dictionary_word_remove(actor=request.user, word_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
