"""The duplicate finder: shingles, band keys, insert/remove/replace, persistence, ranking."""

import sqlite3

import numpy as np
import pytest
from datasketch import MinHash

from xinfang.textmining import lsh_store
from xinfang.textmining.lsh_store import MemoryStore
from xinfang.textmining.similar import (
    DuplicateFinder,
    LshParams,
    band_keys,
    jaccard,
    minhash_values,
    shingles,
)

LAND = "东城街道幸福村三组征地拆迁补偿款至今没有发放，村民多次到街道反映，要求尽快足额发放补偿款。"
LAND_AGAIN = "幸福村三组的征地拆迁补偿款一直没有发放，村民要求街道尽快足额发放补偿款，请领导重视。"
NOISE = "西城街道锦绣花园小区旁边的工地每天夜间施工，噪音扰民严重，居民无法休息。"
NOISE_AGAIN = "锦绣花园小区旁工地夜间施工噪音扰民，居民晚上无法休息，请城管处理。"
SCHOOL = "孩子户口在青山镇，想咨询今年秋季义务教育入学划片和报名需要哪些材料。"


class SqliteStore:
    """`SketchStore` over two SQL tables, as the glue will keep it beside the cases (written
    in the case's own transaction); here on the standard library's sqlite3."""

    def __init__(self):
        self.db = sqlite3.connect(":memory:")
        self.db.executescript(
            "CREATE TABLE band (key INTEGER NOT NULL, doc_id INTEGER NOT NULL);"
            "CREATE INDEX band_key ON band (key);"
            "CREATE TABLE sketch (doc_id INTEGER PRIMARY KEY, sketch BLOB NOT NULL);"
        )

    def put(self, doc_id, keys, sketch):
        self.delete(doc_id)
        self.db.executemany("INSERT INTO band VALUES (?, ?)", [(int(k), int(doc_id)) for k in keys])
        self.db.execute("INSERT INTO sketch VALUES (?, ?)", (int(doc_id), sketch.tobytes()))

    def delete(self, doc_id):
        self.db.execute("DELETE FROM band WHERE doc_id = ?", (int(doc_id),))
        return self.db.execute("DELETE FROM sketch WHERE doc_id = ?", (int(doc_id),)).rowcount > 0

    def candidates(self, keys):
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            "SELECT doc_id, sketch FROM sketch WHERE doc_id IN "
            f"(SELECT doc_id FROM band WHERE key IN ({marks}))",
            [int(k) for k in keys],
        ).fetchall()
        ids = np.array([r[0] for r in rows], np.int64)
        sketches = np.frombuffer(b"".join(r[1] for r in rows), np.uint16)
        return ids, sketches.reshape(len(rows), -1) if rows else sketches.reshape(0, 0)

    def __len__(self):
        return self.db.execute("SELECT count(*) FROM sketch").fetchone()[0]

    def __contains__(self, doc_id):
        query = "SELECT 1 FROM sketch WHERE doc_id = ?"
        return self.db.execute(query, (int(doc_id),)).fetchone() is not None


@pytest.fixture(params=["memory", "sqlite"])
def finder(request):
    f = DuplicateFinder(SqliteStore() if request.param == "sqlite" else None)
    for doc_id, text in enumerate([LAND, NOISE, SCHOOL], start=1):
        assert f.add(doc_id, text=text)
    return f


def test_it_shingles_distinct_words_without_boilerplate():
    assert shingles(["尊敬", "领导", "征地", "补偿", "征地"]) == {"征地", "补偿"}
    assert shingles(["a", "b", "c"], 2) == {"a\x1fb", "b\x1fc"}
    assert jaccard(frozenset("ab"), frozenset("bc")) == pytest.approx(1 / 3)
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_it_keys_each_band_differently_and_reproducibly():
    sig = np.arange(12, dtype=np.uint32)
    keys = band_keys(sig, 4, 3)
    assert keys.dtype == np.uint32 and len(keys) == 4
    assert list(keys) == list(band_keys(sig.copy(), 4, 3))
    # Many signatures at once give the same keys as one at a time.
    many = np.vstack([sig, sig + 1])
    assert band_keys(many, 4, 3).tolist() == [keys.tolist(), band_keys(sig + 1, 4, 3).tolist()]
    # The same values in two different bands give two different keys.
    same = np.zeros(12, np.uint32)
    assert len(set(band_keys(same, 4, 3).tolist())) == 4


def test_it_finds_the_same_matter_in_other_words_and_not_the_others(finder):
    found = finder.query(text=LAND_AGAIN)
    assert [m.doc_id for m in found] == [1]
    assert found[0].estimate >= 0.2
    assert [m.doc_id for m in finder.query(text=NOISE_AGAIN)] == [2]
    assert finder.query(text="完全无关的一句话：图书馆周末开放时间") == []


def test_it_ranks_by_exact_similarity_when_given_the_words(finder):
    finder.add(4, text=LAND_AGAIN)
    texts = {1: LAND, 2: NOISE, 3: SCHOOL, 4: LAND_AGAIN}
    tk = finder._words

    def words_of(ids):
        return {i: tk(texts[i], None) for i in ids}

    found = finder.query(text=LAND_AGAIN, words_of=words_of, min_similarity=0.1)
    assert [m.doc_id for m in found][:2] == [4, 1]
    assert found[0].jaccard == 1.0
    assert found[1].jaccard == pytest.approx(
        jaccard(shingles(tk(LAND, None)), shingles(tk(LAND_AGAIN, None))), abs=1e-4
    )
    # Excluding the document itself, as the registration page will for a case being edited.
    assert [m.doc_id for m in finder.query(text=LAND_AGAIN, exclude=[4])] == [1]


def test_it_removes_and_replaces_one_document_without_a_rebuild(finder):
    assert finder.remove(1) and not finder.remove(1)
    assert 1 not in finder and len(finder) == 2
    assert finder.query(text=LAND_AGAIN) == []
    # Re-indexing an id replaces its text: the old matter no longer finds it.
    finder.add(2, text=LAND)
    assert [m.doc_id for m in finder.query(text=LAND_AGAIN)] == [2]
    assert finder.query(text=NOISE_AGAIN) == []


def test_it_skips_a_document_with_no_words_worth_comparing(finder):
    assert not finder.add(9, text="您好，请问，谢谢！")
    assert 9 not in finder
    assert finder.query(text="您好") == []
    # A document edited down to nothing leaves the index.
    assert not finder.add(1, text="谢谢")
    assert 1 not in finder


def test_it_saves_and_loads_atomically(finder, tmp_path):
    if not isinstance(finder.store, MemoryStore):
        with pytest.raises(TypeError, match="a store persists itself"):
            finder.to_bytes()
        return
    path = finder.save(tmp_path / "similar.npz")
    assert not list(tmp_path.glob(".*.tmp"))
    again = DuplicateFinder.load(path)
    assert len(again) == 3
    assert [m.doc_id for m in again.query(text=LAND_AGAIN)] == [1]
    # Still updatable after loading.
    again.add(5, text=NOISE_AGAIN)
    assert {m.doc_id for m in again.query(text=NOISE)} == {2, 5}


def test_it_refuses_a_file_that_is_no_index_or_has_other_settings(tmp_path):
    finder = DuplicateFinder()
    finder.add(1, text=LAND)
    with pytest.raises(ValueError, match="not a saved duplicate index"):
        DuplicateFinder.from_bytes(b"not numpy at all")
    with pytest.raises(ValueError, match="other LSH settings"):
        DuplicateFinder.from_bytes(finder.to_bytes(), params=LshParams(bands=32, rows=6))


@pytest.mark.parametrize("max_run", [None, 8192])
def test_the_store_survives_many_inserts_removals_and_merges(max_run, monkeypatch):
    """Enough band entries to pass the buffer several times, with removals in between:
    every live document is still found under its own keys, removed ones never (also when
    runs stop merging early and a lookup searches many of them)."""
    if max_run:
        monkeypatch.setattr(lsh_store, "_MAX_RUN", max_run)
    rng = np.random.default_rng(7)
    store = MemoryStore(num_perm=6, bands=3)
    keys = {}
    for doc_id in range(6000):
        keys[doc_id] = rng.integers(0, 2**32, 3, dtype=np.uint32)
        store.put(doc_id, keys[doc_id], np.full(6, doc_id % 65536, np.uint16))
        if doc_id % 3 == 0:
            store.delete(doc_id // 2)
    removed = {d // 2 for d in range(0, 6000, 3)}
    if max_run:
        assert len(store._runs.runs) > 1
    assert len(store) == 6000 - len(removed)
    for doc_id in range(6000):
        for band in range(3):  # each band key alone finds it
            ids, sketches = store.candidates(keys[doc_id][band : band + 1])
            assert (doc_id in ids.tolist()) == (doc_id not in removed)
        if doc_id not in removed:
            row = ids.tolist().index(doc_id)
            assert sketches[row][0] == doc_id % 65536
    reloaded = MemoryStore.from_bytes(store.to_bytes())
    assert len(reloaded) == len(store)
    assert 5999 in reloaded.candidates(keys[5999])[0].tolist()


@pytest.mark.parametrize("count", [0, 1, 7, 300])
def test_the_signature_is_datasketchs_affine32_minhash(count):
    items = [f"词{i}·{i * 7919}".encode() for i in range(count)]
    theirs = MinHash(num_perm=192, seed=1, scheme="affine32")
    theirs.update_batch(items)
    ours = minhash_values(items, 192, 1)
    assert ours.dtype == theirs.hashvalues.dtype
    assert np.array_equal(ours, theirs.hashvalues)
