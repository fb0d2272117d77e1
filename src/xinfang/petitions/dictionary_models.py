"""The user dictionary's words: government terms and place names an admin adds so that
the tokeniser cuts them whole (textmining.tokeniser; petitions/dictionary.py keeps every
process's tokeniser and the search index in step with them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class DictionaryWord(models.Model):
    word = models.CharField("词语", max_length=20, unique=True)
    freq = models.PositiveIntegerField("词频", null=True, blank=True)
    tag = models.CharField("词性", max_length=8, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="添加人",
    )
    added_at = models.DateTimeField("添加时间", default=timezone.now)

    class Meta:
        verbose_name = "自定义词语"
        verbose_name_plural = "自定义词典"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.word
