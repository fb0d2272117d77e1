"""The user dictionary (分词词典): an admin adds government terms and place names so that
they are cut whole; the change is logged (core.changes), every process cuts with it within
seconds (petitions/userdict.py) and the search and similar-case indexes are recomputed by a
background job (petitions/tasks.py), whose progress the settings page shows."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from xinfang.core.changes import Kind, record_config_change
from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed
from xinfang.petitions.dictionary_models import DictionaryWord
from xinfang.petitions.models import Petition
from xinfang.petitions.search import petition_search_index
from xinfang.petitions.textindex import petition_text_index
from xinfang.petitions.userdict import dictionary_fingerprint, dictionary_sync
from xinfang.textmining.tokeniser import UserDictError, UserWord, parse_user_words
from xinfang.units.models import Staff
from xinfang.units.services import is_admin

REINDEX_KEY = "petitions:search-reindex"
REINDEX_BATCH = 500
MAX_LINES = 500


def dictionary_change_refusal(actor: Staff) -> NotPermitted | None:
    """Why the actor may not change the user dictionary, or None: admins only."""
    if not is_admin(actor):
        return NotPermitted("只有管理员可以维护分词词典。")
    return None


def _snapshot(word: DictionaryWord | UserWord) -> dict:
    return {"词语": word.word, "词频": word.freq, "词性": word.tag or ""}


def dictionary_words_add(*, actor: Staff, text: str) -> list[DictionaryWord]:
    """Add the entries of `text` (one `词语 [词频] [词性]` a line); a word already there gets
    the frequency and tag given. Logged per word; the indexes are recomputed afterwards."""
    refusal = dictionary_change_refusal(actor)
    if refusal:
        raise refusal
    lines = (text or "").splitlines()
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"一次最多添加 {MAX_LINES} 行。", {"field": "words"})
    try:
        entries = parse_user_words(lines)
    except UserDictError as exc:
        raise ValidationFailed(str(exc), {"field": "words"}) from exc
    if not entries:
        raise ValidationFailed("请填写要添加的词语，每行一个。", {"field": "words"})
    changed: list[DictionaryWord] = []
    with transaction.atomic():
        for entry in {e.word: e for e in entries}.values():
            row = DictionaryWord.objects.select_for_update().filter(word=entry.word).first()
            before = _snapshot(row) if row else None
            if row is None:
                row = DictionaryWord(word=entry.word, added_by=actor)
            row.freq, row.tag = entry.freq, entry.tag or ""
            if before == _snapshot(row):
                continue
            row.save()
            record_config_change(actor, Kind.USER_DICTIONARY, row, before, _snapshot(row))
            changed.append(row)
        if changed:
            transaction.on_commit(_dictionary_changed)
    return changed


def dictionary_word_remove(*, actor: Staff, word_id: int) -> None:
    """Remove one word from the user dictionary (logged); the indexes are recomputed."""
    refusal = dictionary_change_refusal(actor)
    if refusal:
        raise refusal
    with transaction.atomic():
        row = DictionaryWord.objects.select_for_update().filter(pk=word_id).first()
        if row is None:
            raise NotFound("词典中没有这个词语。")
        record_config_change(actor, Kind.USER_DICTIONARY, row, _snapshot(row), None)
        row.delete()
        transaction.on_commit(_dictionary_changed)


def _dictionary_changed() -> None:
    """After a change is committed: cut with it here at once, recompute the indexes."""
    from xinfang.petitions.tasks import search_reindex_task

    fingerprint = dictionary_sync(force=True)
    _state_set(status="queued", fingerprint=fingerprint, done=0, total=None)
    search_reindex_task(fingerprint)


def _state_set(**state) -> None:
    cache.set(REINDEX_KEY, {**state, "at": timezone.now().isoformat()}, timeout=None)


def search_reindex_state() -> dict:
    """The last recomputation of the indexes: status (queued, running, done, failed), the
    dictionary fingerprint it used, cases done and total, when; `stale` when the dictionary
    has changed since the last completed one."""
    state = cache.get(REINDEX_KEY) or {}
    current = dictionary_fingerprint()
    return {
        "status": state.get("status", "done"),
        "fingerprint": state.get("fingerprint", current),
        "done": state.get("done", 0),
        "total": state.get("total"),
        "at": state.get("at"),
        "current_fingerprint": current,
        "stale": bool(state) and state.get("fingerprint") != current,
    }


def search_reindex(fingerprint: str | None = None) -> int:
    """Recompute every case's search document and similar-case words with the dictionary
    now in the database, a batch per transaction; returns the number of cases. A job for
    an older dictionary than the database's stops: the newer job does the work."""
    current = dictionary_sync(force=True)
    if fingerprint is not None and fingerprint != current:
        return 0
    ids = list(Petition.objects.order_by("pk").values_list("pk", flat=True))
    _state_set(status="running", fingerprint=current, done=0, total=len(ids))
    try:
        for start in range(0, len(ids), REINDEX_BATCH):
            with transaction.atomic():
                for petition in Petition.objects.filter(pk__in=ids[start : start + REINDEX_BATCH]):
                    petition_text_index(petition)
                    petition_search_index(petition)
            done = min(start + REINDEX_BATCH, len(ids))
            _state_set(status="running", fingerprint=current, done=done, total=len(ids))
    except Exception:
        _state_set(status="failed", fingerprint=current, done=0, total=len(ids))
        raise
    _state_set(status="done", fingerprint=current, done=len(ids), total=len(ids))
    return len(ids)
