"""The chat page for officials (gradio): ``build(service, policy) -> gr.Blocks``, mounted at / by
``ui/launcher.py``. It calls the services layer (``RagService``, ``AccessPolicy``), never API internals.

Everything shown is escaped: answers, quotes and document text are data, never HTML."""

from __future__ import annotations

import datetime as dt
import functools
import html
import inspect
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from core.errors import NotFound, RagqaError, Unauthorized  # noqa: E402
from core.kb import DEFAULT_KB  # noqa: E402
from core.text import NOT_FOUND, book_title  # noqa: E402
from rag.engine import Turn  # noqa: E402
from rag.feedback import FeedbackStore  # noqa: E402
from rag.policy import AccessPolicy, Caller, outcome_of  # noqa: E402
from rag.service import RagService, Upload  # noqa: E402

EXAMPLES = [
    "1995年全国有多少个小城镇开展了综合试点？",
    "绍兴县选择了哪5个镇作为“扩权”试点镇？",
    "扩权强县工作推进中存在哪些问题？",
    "江苏强镇扩权中“两头热中间冷”指的是什么？",
]
ERROR_TEXT = "抱歉，系统暂时无法回答，请稍后再试。"

CSS = """
#sources .cite { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 10px; margin-bottom: 8px; }
#sources .cite-head { font-weight: 600; margin-bottom: 4px; }
#sources .cite-body { white-space: pre-wrap; line-height: 1.6; color: #333; }
#sources mark { background: #ffe58f; padding: 0 2px; }
#sources .abstain { color: #8a5300; background: #fff7e6; border: 1px solid #ffd591; border-radius: 6px; padding: 8px; }
"""

THEME = gr.themes.Default(
    font=["Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "system-ui", "sans-serif"],
    font_mono=["ui-monospace", "monospace"],
)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def _md(text: str) -> str:
    """For the chat, which renders markdown: HTML-escaped and markdown-escaped, so a document's
    `[link](javascript:…)` or `<img onerror=…>` shows as the plain text it is."""
    return _MD_SPECIAL.sub(r"\\\1", _e(text))


def highlight(chunk_text: str, quote: str) -> str:
    """The chunk text, escaped, with the quoted sentence marked."""
    i = chunk_text.find(quote)
    if i < 0 or not quote:
        return _e(chunk_text)
    return _e(chunk_text[:i]) + "<mark>" + _e(quote) + "</mark>" + _e(chunk_text[i + len(quote) :])


OCR_MARK = '<span class="ocr">（扫描件识别文字，请核对原件）</span>'


NO_CHOICE = "请在上方列表中点击要删除的文档。"

UPLOAD_STAGES = {"check": ("正在检查文件", "个文件"), "check_pages": ("正在检查页面", "页"), "pages": ("正在读取页面", "页"), "ocr": ("正在识别扫描页（OCR）", "页"),
                 "files": ("正在导入文件", "个文件"), "embed": ("正在建立向量索引", "个片段")}
"""What the upload's progress bar says for each stage of ``RagService.upload`` (see ``rag.service.IngestJob``),
and the unit its done/total counts."""


def page_mark(cit: dict[str, Any]) -> str:
    """「（第n页）」 for a citation of a paginated file (``page`` ≥ 1), else ""."""
    page = int(cit.get("page") or 0)
    return f"（第{page}页）" if page > 0 else ""


def sources_html(result: dict[str, Any], only: int | None = None) -> str:
    contexts = {c["n"]: c for c in result.get("contexts", [])}
    if result.get("abstained"):
        parts = [f'<div class="abstain">⚠️ {NOT_FOUND}。以下是最接近的资料，供您自行查阅：</div>']
        for c in result.get("contexts", [])[:3]:
            parts.append(f'<div class="cite"><div class="cite-head">{_e(book_title(c["doc_title"]))}{_e(c["section"])}</div>'
                         f'<div class="cite-body">{_e(c["text"])}</div></div>')
        return "".join(parts)
    parts = []
    for cit in result.get("citations", []):
        if only is not None and cit["n"] != only:
            continue
        ctx = contexts.get(cit["n"], {"text": cit["quote"]})
        parts.append(
            f'<div class="cite" id="cite-{cit["n"]}"><div class="cite-head">[{cit["n"]}] {_e(book_title(cit["doc_title"]))}'
            f' {_e(cit["section"])}{page_mark(cit)}'
            f'{OCR_MARK if cit.get("ocr") else ""}</div>'
            f'<div class="cite-body">{highlight(ctx["text"], cit["quote"])}</div></div>'
        )
    return "".join(parts) or "<div>（暂无来源）</div>"


def _shown(result: dict[str, Any]) -> str:
    """The answer as the chat shows it: escaped, with an abstention clearly marked, and the engine's notices
    (why it fell back, that the documents are Chinese…) quoted below it."""
    notes = "".join(f"\n\n> {_md(n)}" for n in result.get("notices", []))
    if result.get("abstained"):
        return f"⚠️ **{NOT_FOUND}**" + (notes or "\n\n右侧列出了最接近的资料，供参考。")
    return _md(result["answer"]) + notes


def _citation_choices(result: dict[str, Any]) -> list[str]:
    """One choice per citation number, first title seen (several quotes may share a number)."""
    return list(dict.fromkeys(f"[{c['n']}] {book_title(c['doc_title'])}" for c in result.get("citations", [])))


def _time(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


DOC_HEADERS = ["文档ID", "标题", "来源", "片段数", "导入时间", "知识库"]
DOC_WIDTHS = ["16%", "26%", "18%", "8%", "20%", "12%"]  # 导入时间 ("2026-11-30 09:15") shown whole
KB_HEADERS = ["知识库", "名称", "说明", "文档数"]

COPY_CONVERSATION_JS = r"""(chat) => {
  const text = (chat || []).map(m => (m.role === "user" ? "问：" : "答：") +
    (typeof m.content === "string" ? m.content : "")).join("\n\n");
  if (navigator.clipboard) { navigator.clipboard.writeText(text); }
}"""
"""The chat's "copy conversation" button, done in the browser (gradio's own copy buttons have English
tooltips whatever the page language, so the page shows only this one)."""


def _client(request: gr.Request | None) -> str:
    return getattr(getattr(request, "client", None), "host", None) or "?"


def _outcome(e: Exception) -> str:
    """The audit outcome of a failure (``rag.policy.outcome_of``)."""
    return outcome_of(e)


class ChatPage:
    """The page's event handlers over the services: ask (streamed), pick a citation, feedback, and the
    admin's documents. Every handler that does work passes the access policy first (``guard``: the live
    session bound to the key, the role, the key's rate limit — the same as the API's) and is audited; on the
    page (``build``) each such event also needs the page's CSRF token (``with_token``)."""

    def __init__(self, service: RagService, policy: AccessPolicy) -> None:
        self.service = service
        self.policy = policy
        self.feedback = FeedbackStore(service.settings)

    def role_of(self, request: gr.Request | None) -> str:
        return self.policy.role_of(getattr(request, "username", None))

    def guard(self, request: gr.Request | None, action: str, admin: bool = False, **fields: Any) -> Caller:
        """The caller of a page request, through ``AccessPolicy.page_caller`` (and ``require_admin``).
        A refusal is audited and raised as ``gr.Error`` with the policy's message."""
        user = getattr(request, "username", None)
        try:
            caller = self.policy.page_caller(user, _client(request))
            return self.policy.require_admin(caller) if admin else caller
        except RagqaError as e:
            actor = None if isinstance(e, Unauthorized) or not user else str(user)
            self.policy.record(actor, "page", action, _outcome(e), client=None if actor else _client(request), **fields)
            raise gr.Error(e.message) from e

    # --- CSRF: the page's synchronizer token ------------------------------------------------------
    def issue_token(self, request: gr.Request) -> tuple[str, Any, Any]:
        """The page's load event: a new CSRF token for this page (``AccessPolicy.issue_page_token``: bound to
        the page's gradio session and to its login session) into the hidden ``page_token`` box, and the
        question box and ask button enabled (they stay disabled until the page holds its token)."""
        try:
            token = self.policy.issue_page_token(getattr(request, "username", None), getattr(request, "session_hash", None))
        except RagqaError as e:
            raise gr.Error(e.message) from e
        return token, gr.update(interactive=True), gr.update(interactive=True)

    def check_token(self, request: gr.Request | None, token: str | None, action: str, **fields: Any) -> None:
        """Nothing when ``token`` is this page's CSRF token (``AccessPolicy.check_page_token``); otherwise the
        refusal is audited (outcome ``csrf_refused``, with the client address and ``fields``: the document or
        knowledge base concerned) and raised as ``gr.Error``."""
        user = getattr(request, "username", None)
        try:
            self.policy.check_page_token(user, getattr(request, "session_hash", None), token)
        except RagqaError as e:
            self.policy.record(self.policy.session_caller(user).name or None, "page", action, _outcome(e),
                               client=_client(request), **fields)
            raise gr.Error(e.message) from e

    def with_token(self, fn: Callable[..., Any], action: str) -> Callable[..., Any]:
        """``fn`` (a handler taking a ``gr.Request``) as a page event that needs the page's CSRF token: the same
        parameters plus a last one, ``page_token`` (the hidden box's value), checked by ``check_token`` before
        ``fn`` runs — a refused call does nothing. Generator handlers stay generators (gradio streams them)."""
        sig = inspect.signature(fn)
        extra = inspect.Parameter("page_token", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                                  annotation="str | None")
        full = sig.replace(parameters=[*sig.parameters.values(), extra])

        def checked(args: tuple[Any, ...], kwargs: dict[str, Any]) -> inspect.BoundArguments:
            bound = full.bind(*args, **kwargs)
            token = bound.arguments.pop("page_token", None)
            request = next((v for v in bound.arguments.values() if isinstance(v, gr.Request)), None)
            concerned = {k: bound.arguments[k] for k in ("doc_id", "kb") if bound.arguments.get(k)}
            self.check_token(request, token, action, **concerned)
            return bound

        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                bound = checked(args, kwargs)
                yield from fn(*bound.args, **bound.kwargs)
        else:
            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                bound = checked(args, kwargs)
                return fn(*bound.args, **bound.kwargs)
        wrapper.__signature__ = full  # type: ignore[attr-defined]
        wrapper.__annotations__ = {**getattr(fn, "__annotations__", {}), "page_token": "str | None"}
        return wrapper

    # --- knowledge bases: the page shows only those the logged-in key may read ----------------------
    def caller(self, request: gr.Request | None) -> Caller:
        """The logged-in caller from its live session (no rate-limit token; role "none" without a session)."""
        return self.policy.session_caller(getattr(request, "username", None))

    def kb_names(self) -> list[str]:
        return [k.name for k in self.service.kbs()]

    def readable_kbs(self, request: gr.Request | None) -> list[tuple[str, str]]:
        """(label, name) of each knowledge base the logged-in key may read, for the selector."""
        caller = self.caller(request)
        if caller.role == "none":
            return []
        visible = set(self.policy.readable_kbs(caller, self.kb_names()))
        return [(k.display, k.name) for k in self.service.kbs() if k.name in visible]

    def admin_kbs(self, request: gr.Request | None) -> list[str]:
        """The knowledge bases the logged-in key may change (upload, delete documents, delete the base)."""
        caller = self.caller(request)
        return [n for _, n in self.readable_kbs(request) if self.policy.may_admin_kb(caller, n)]

    def _admin_choices(self, request: gr.Request | None) -> list[tuple[str, str]]:
        admin = set(self.admin_kbs(request))
        return [(label, n) for label, n in self.readable_kbs(request) if n in admin]

    def selected_kbs(self, kbs: list[str] | str | None, request: gr.Request | None) -> list[str] | None:
        """What a question searches: the selection (each readable, else NotFound), or all the key may read."""
        return self.policy.select_kbs(self.caller(request), kbs or None, self.kb_names())

    def respond(self, question: str, chat: list[dict[str, Any]], results: list[dict[str, Any]],
                request: gr.Request, kbs: list[str] | None = None) -> Iterator[Any]:
        """Yields (question box, chat, results, sources html, citation picker) as the answer streams in;
        searches the selected knowledge bases `kbs` (none selected: all the logged-in key may read)."""
        question = (question or "").strip()
        if not question:
            yield gr.update(), chat, results, gr.update(), gr.update()
            return
        caller = self.guard(request, "ask", question=question)
        outcome = "ok"
        turns = [Turn(role=m["role"], content=m["content"] if isinstance(m["content"], str) else "")
                 for m in chat if m.get("role") in ("user", "assistant")][-8:]
        chat = chat + [{"role": "user", "content": _md(question)}, {"role": "assistant", "content": "正在查找资料…"}]
        yield "", chat, results, gr.update(), gr.update()
        try:
            text = ""
            for kind, payload in self.service.ask_stream(question, turns, kbs=self.selected_kbs(kbs, request)):
                if kind == "token":
                    text += payload
                    chat[-1] = {"role": "assistant", "content": _md(text)}
                    yield "", chat, results, gr.update(), gr.update()
                elif kind == "reset":
                    text = ""
                elif kind == "done":
                    result = payload.model_dump()
                    chat[-1] = {"role": "assistant", "content": _shown(result)}
                    results = results + [result]
                    choices = _citation_choices(result)
                    yield ("", chat, results, sources_html(result),
                           gr.update(choices=choices, value=None, visible=bool(choices)))
        except RagqaError as e:
            outcome = _outcome(e)
            chat[-1] = {"role": "assistant", "content": _md(e.message)}
            yield "", chat, results, gr.update(), gr.update()
        except Exception:
            outcome = "internal"
            chat[-1] = {"role": "assistant", "content": ERROR_TEXT}
            yield "", chat, results, gr.update(), gr.update()
        finally:
            self.policy.record(caller, "page", "ask", outcome, question=question, kb=sorted(kbs) if kbs else None)

    @staticmethod
    def pick_citation(choice: str | None, results: list[dict[str, Any]]) -> str:
        if not results:
            return ""
        if not choice:
            return sources_html(results[-1])
        n = int(choice[1 : choice.index("]")])
        return sources_html(results[-1], only=n)

    def on_like(self, data: gr.LikeData, results: list[dict[str, Any]], comment: str,
                request: gr.Request) -> tuple[str, str]:
        k = data.index if isinstance(data.index, int) else data.index[0]
        # chat rows alternate user / assistant: the k-th row is the (k // 2)-th answer
        i = min(k // 2, len(results) - 1)
        if i < 0:
            return comment, ""
        r = results[i]
        caller = self.guard(request, "feedback")
        useful = data.liked is True or data.liked == "Like"
        self.feedback.add(useful=bool(useful), question=r["question"], answer=r["answer"], citations=r["citations"],
                          comment=comment or "", who=caller.name)
        self.policy.record(caller, "page", "feedback", "ok")
        return "", "已记录您的反馈，谢谢！"

    def _admin_guard(self, request: gr.Request | None, action: str, **fields: Any) -> tuple[Caller, set[str]]:
        """The caller (``guard``) and the knowledge bases it administers; none: audited and ``gr.Error``."""
        caller = self.guard(request, action, **fields)
        allowed = {n for n in self.policy.readable_kbs(caller, self.kb_names()) if self.policy.may_admin_kb(caller, n)}
        if not allowed:
            self.policy.record(caller, "page", action, "forbidden", **fields)
            raise gr.Error("需要管理员权限。")
        return caller, allowed

    def admin_somewhere(self, request: gr.Request) -> list[str]:
        """The knowledge bases the user administers; ``gr.Error`` when none."""
        return sorted(self._admin_guard(request, "list_kbs")[1])

    def _docs(self, allowed: set[str]) -> list[list[Any]]:
        return [[d.doc_id, d.title, d.source, d.n_chunks, _time(d.ingested_at), d.kb]
                for d in self.service.documents() if d.kb in allowed]

    def list_kbs(self, request: gr.Request) -> list[list[Any]]:
        """The knowledge bases the user administers: name, display name, description, documents."""
        allowed = set(self.admin_somewhere(request))
        counts: dict[str, int] = {}
        for d in self.service.documents():
            counts[d.kb] = counts.get(d.kb, 0) + 1
        return [[k.name, k.display, k.description, counts.get(k.name, 0)] for k in self.service.kbs() if k.name in allowed]

    def _kb_updates(self, request: gr.Request) -> tuple[Any, Any, Any, Any]:
        """After a change: the KB table, the upload target, the chat selector, the document list."""
        admin = self._admin_choices(request)
        return (self.list_kbs(request), gr.update(choices=admin, value=admin[0][1] if admin else None),
                gr.update(choices=self.readable_kbs(request), value=[]), self.list_docs(request))

    def create_kb(self, name: str, display: str, description: str, request: gr.Request) -> tuple[Any, ...]:
        """Create a knowledge base (an admin of every one only)."""
        caller = self.guard(request, "create_kb", kb=(name or "").strip())
        try:
            self.policy.require_global_admin(caller)
            kb = self.service.create_kb((name or "").strip(), display or "", description or "")
        except RagqaError as e:
            self.policy.record(caller, "page", "create_kb", _outcome(e), kb=(name or "").strip())
            return (f"创建失败：{_e(e.message)}", *[gr.update()] * 4)
        self.policy.record(caller, "page", "create_kb", "ok", kb=kb.name)
        return (f"已创建知识库 {_e(kb.name)}。", *self._kb_updates(request))

    def delete_kb(self, name: str, confirmed: bool, request: gr.Request) -> tuple[Any, ...]:
        """Delete a knowledge base and its documents, only once the confirmation box is ticked."""
        name = (name or "").strip()
        caller = self.guard(request, "delete_kb", kb=name)
        try:
            self.policy.require_kb_admin(caller, name, self.kb_names())
            n = self.service.delete_kb(name, confirm=bool(confirmed))
        except RagqaError as e:
            self.policy.record(caller, "page", "delete_kb", _outcome(e), kb=name)
            return (f"删除失败：{_e(e.message)}", *[gr.update()] * 4)
        self.policy.record(caller, "page", "delete_kb", "ok", kb=name)
        if name == DEFAULT_KB:  # the default knowledge base always exists: it is emptied, not removed
            return (f"已清空默认知识库 {_e(name)}：删除了其中 {n} 篇文档，知识库本身保留。", *self._kb_updates(request))
        return (f"已删除知识库 {_e(name)}（{n} 篇文档）。", *self._kb_updates(request))

    def list_docs(self, request: gr.Request) -> list[list[Any]]:
        """The documents of the knowledge bases the user administers (rows as DOC_HEADERS)."""
        caller, allowed = self._admin_guard(request, "list_documents")
        self.policy.record(caller, "page", "list_documents", "ok", kb=sorted(allowed))
        return self._docs(allowed)

    def list_feedback(self, request: gr.Request) -> list[list[Any]]:
        caller = self.guard(request, "list_feedback", admin=True)
        self.policy.record(caller, "page", "list_feedback", "ok")
        return [[_time(f["at"]), "有用" if f["useful"] else "没用",
                 f["comment"], f["question"], f["answer"][:80]] for f in self.feedback.list()]

    def upload(self, files: list[Any] | None, request: gr.Request, kb: str | None = None,
               progress: gr.Progress = gr.Progress()) -> tuple[str, Any, Any]:  # noqa: B008 (gradio injects it)
        """Ingest the chosen files into knowledge base ``kb`` (default: the default one), which the user must
        administer; returns (status text, document list, file picker: emptied after success)."""
        kb = kb or DEFAULT_KB
        names = [os.path.basename(getattr(f, "orig_name", None) or (f if isinstance(f, str) else f.name))
                 for f in files or []]
        caller, allowed = self._admin_guard(request, "upload", files=names or None, kb=kb)
        try:
            self.policy.require_kb_admin(caller, kb, self.kb_names())
        except RagqaError as e:
            self.policy.record(caller, "page", "upload", _outcome(e), files=names, kb=kb)
            raise gr.Error(e.message) from e
        if not files:
            return "请先选择文件。", gr.update(), gr.update()
        paths = [Path(f if isinstance(f, str) else f.name) for f in files]

        def report(stage: str, done: int, total: int) -> None:  # ingest.pipeline.Progress → the page's bar
            text, unit = UPLOAD_STAGES.get(stage, (stage, "steps"))
            progress((done, total), desc=text, unit=unit)

        try:
            self.policy.check_upload_size(sum(p.stat().st_size for p in paths))
            items = [Upload(name, p.read_bytes()) for name, p in zip(names, paths, strict=True)]
            s = self.service.upload(items, kb=kb, progress=report)
        except RagqaError as e:
            self.policy.record(caller, "page", "upload", _outcome(e), files=names, kb=kb)
            return f"导入失败：{_e(e.message)}", gr.update(), gr.update()
        self.policy.record(caller, "page", "upload", "ok", files=names, kb=kb)
        return upload_report(s), self._docs(allowed), None

    def pick_document(self, rows: Any, evt: gr.SelectData, request: gr.Request) -> tuple[str, str]:
        """A click on a row of the document list chooses that document for deletion.
        Returns (doc_id, the text shown under the list naming the chosen document)."""
        self._admin_guard(request, "pick_document")
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        values = rows.values.tolist() if hasattr(rows, "values") else list(rows or [])
        if not isinstance(row, int) or not 0 <= row < len(values):
            return "", NO_CHOICE
        doc_id, title = str(values[row][0]), str(values[row][1])
        return doc_id, f"已选择：{_e(book_title(title))}（{_e(doc_id)}）"

    def delete(self, doc_id: str, request: gr.Request) -> tuple[str, Any, str, str]:
        """Delete the document chosen in the list; returns (status, list, cleared choice, choice text)."""
        doc_id = (doc_id or "").strip()
        caller, allowed = self._admin_guard(request, "delete", doc_id=doc_id)
        if not doc_id:
            return "请先在列表中点击要删除的文档。", gr.update(), "", NO_CHOICE
        kb = None
        try:
            kb = next((d.kb for d in self.service.documents() if d.doc_id == doc_id and d.kb in allowed), None)
            if kb is None:
                raise NotFound(f"no document {doc_id}")
            self.service.delete(doc_id)
        except RagqaError as e:
            self.policy.record(caller, "page", "delete", _outcome(e), doc_id=doc_id, kb=kb)
            return f"删除失败：{_e(e.message)}", gr.update(), doc_id, gr.update()
        self.policy.record(caller, "page", "delete", "ok", doc_id=doc_id, kb=kb)
        return "已删除。", self._docs(allowed), "", NO_CHOICE

    def on_load(self, request: gr.Request) -> tuple[Any, Any]:
        """The admin tab, shown to admins with the document list already filled in."""
        if not self.admin_kbs(request):
            return gr.update(visible=False), gr.update()
        return gr.update(visible=True), self.list_docs(request)

    def on_load_all(self, request: gr.Request) -> tuple[Any, ...]:
        """`on_load` then `on_load_kbs`, in one event."""
        return (*self.on_load(request), *self.on_load_kbs(request))

    def on_load_kbs(self, request: gr.Request) -> tuple[Any, Any, Any]:
        """The chat's selector (only the knowledge bases the key may read), the upload target and the KB table."""
        readable = self.readable_kbs(request)
        admin = self._admin_choices(request)
        return (gr.update(choices=readable, value=[], visible=len(readable) > 1),
                gr.update(choices=admin, value=admin[0][1] if admin else None),
                self.list_kbs(request) if admin else gr.update())


def upload_report(s: Any) -> str:
    """What an upload did, in words an official reads: new, new versions (replaced), and byte-identical
    files that were already stored (``duplicate_of``: nothing written). ``s`` is an ``IngestSummary``."""
    parts = [f"新增 {s.added} 篇"]
    if s.replaced:
        parts.append(f"替换旧版本 {len(s.replaced)} 篇")
    elif s.updated:
        parts.append(f"更新 {s.updated} 篇")
    if s.duplicate_of:
        parts.append(f"重复 {len(s.duplicate_of)} 篇（与已导入的文档完全相同，未重复导入）")
    text = "导入完成：" + "，".join(parts) + f"，共 {s.chunks} 个片段。"
    if s.skipped:
        text += " 未导入：" + "；".join(_e(f"{k.get('source', '')}（{k.get('reason', '')}）") for k in s.skipped)
    return text


SOURCES_PLACEHOLDER = "<div>提问后，这里显示每条引用的原文。</div>"


def _qa_tab() -> SimpleNamespace:
    """The 问答 tab's components."""
    ui = SimpleNamespace()
    with gr.Tab("问答"), gr.Row():
        with gr.Column(scale=3):
            ui.copy_all = gr.Button("复制对话", size="sm", elem_id="copy-all", render=False)
            ui.chat = gr.Chatbot(label="对话", height=460, elem_id="chat", sanitize_html=True,
                                 feedback_options=("Like", "Dislike"), buttons=[ui.copy_all])
            ui.kbs = gr.Dropdown(label="知识库（不选：全部可读的知识库）", choices=[], value=[], multiselect=True,
                                 visible=False, elem_id="kb-select")
            # both enabled once the page holds its CSRF token (ChatPage.issue_token)
            ui.question = gr.Textbox(label="问题", placeholder="请输入问题，按回车或点击“提问”", elem_id="question",
                                     interactive=False)
            with gr.Row():
                ui.ask = gr.Button("提问", variant="primary", elem_id="ask", interactive=False)
                ui.clear = gr.Button("清空对话", elem_id="clear")
            gr.Examples(EXAMPLES, inputs=ui.question, label="示例问题")
            ui.comment = gr.Textbox(label="反馈意见（可选，填写后点击回答下方的“赞”表示有用，“踩”表示没用）",
                                    elem_id="comment")
            ui.thanks = gr.Markdown(elem_id="thanks")
        with gr.Column(scale=2):
            gr.Markdown("### 来源")
            ui.pick = gr.Radio(label="选择引用查看原文", choices=[], visible=False, elem_id="pick")
            ui.sources = gr.HTML(SOURCES_PLACEHOLDER, elem_id="sources")
    return ui


def _admin_tab(extensions: list[str]) -> SimpleNamespace:
    """The 管理 tab's components (hidden until an admin's page loads)."""
    ui = SimpleNamespace()
    with gr.Tab("管理", visible=False, elem_id="admin-tab") as ui.tab:
        gr.Markdown("### 知识库")
        ui.kb_table = gr.Dataframe(headers=KB_HEADERS, interactive=False, elem_id="kbs", wrap=True, buttons=[])
        with gr.Row():
            ui.kb_name = gr.Textbox(label="知识库ID（字母、数字、_ 或 -）", elem_id="kb-name")
            ui.kb_display = gr.Textbox(label="名称", elem_id="kb-display")
            ui.kb_description = gr.Textbox(label="说明", elem_id="kb-description")
        with gr.Row():
            ui.kb_create = gr.Button("创建知识库", elem_id="kb-create")
            ui.kb_confirm = gr.Checkbox(label="确认删除：该知识库的全部文档将一并删除", value=False, elem_id="kb-confirm")
            ui.kb_delete = gr.Button("删除知识库", variant="stop", elem_id="kb-delete")
        ui.kb_status = gr.Markdown(elem_id="kb-status")
        ui.upload_kb = gr.Dropdown(label="上传到知识库", choices=[], elem_id="upload-kb")
        ui.files = gr.File(label=f"上传文档（{'、'.join(e.lstrip('.') for e in extensions)}）", file_count="multiple",
                           elem_id="upload", file_types=extensions)
        ui.upload = gr.Button("导入", variant="primary", elem_id="upload-btn")
        ui.upload_status = gr.Markdown(elem_id="upload-status")
        ui.refresh = gr.Button("刷新列表")
        ui.docs = gr.Dataframe(headers=DOC_HEADERS, column_widths=DOC_WIDTHS, wrap=True, interactive=False,
                               elem_id="docs", buttons=[])
        ui.del_id = gr.Textbox(visible=False, elem_id="del-id")  # set by clicking a row of the list
        with gr.Row():
            ui.del_choice = gr.Markdown(NO_CHOICE, elem_id="del-choice")
            ui.delete = gr.Button("删除所选文档", variant="stop", elem_id="del-btn")
        ui.del_status = gr.Markdown()
        gr.Markdown("### 用户反馈")
        ui.feedback = gr.Dataframe(headers=["时间", "评价", "意见", "问题", "回答"], interactive=False,
                                   elem_id="feedback", wrap=True, buttons=[])
        ui.feedback_refresh = gr.Button("刷新反馈")
    return ui


def build(service: RagService, policy: AccessPolicy) -> gr.Blocks:
    """The page: layout from ``_qa_tab``/``_admin_tab``, events wired to a ``ChatPage``."""
    page = ChatPage(service, policy)
    with gr.Blocks(title="政策文件问答") as demo:
        if policy.enabled:
            gr.Button("退出登录", link="/logout", size="sm", elem_id="logout")
        gr.Markdown("## 政策文件问答\n根据已导入的政策文件回答问题，每个回答都标注出处 [n]，可在右侧核对原文；"
                    f"文件中没有的内容，系统会直接说明“{NOT_FOUND}”。")
        results = gr.State([])
        qa, admin = _qa_tab(), _admin_tab(sorted(service.settings.upload_extensions))

        # the page's CSRF token (ChatPage.with_token): issued at load, sent back by every event that reaches
        # the access policy; only the local ones (clear, citation picker, copy) go without it
        token = gr.Textbox(visible=False, elem_id="page-token")
        t = page.with_token

        outputs = [qa.question, qa.chat, results, qa.sources, qa.pick]
        ask_inputs = [qa.question, qa.chat, results, qa.kbs, token]
        qa.question.submit(t(page.respond, "ask"), ask_inputs, outputs, show_progress="minimal")
        qa.ask.click(t(page.respond, "ask"), ask_inputs, outputs, show_progress="minimal")
        qa.clear.click(lambda: ("", [], [], SOURCES_PLACEHOLDER, gr.update(choices=[], visible=False)), None, outputs)
        # instant, local events: no progress or queue status (gradio's is in English) over the sources
        qa.pick.change(page.pick_citation, [qa.pick, results], qa.sources, show_progress="hidden")
        qa.chat.like(t(page.on_like, "feedback"), [results, qa.comment, token], [qa.comment, qa.thanks])
        qa.copy_all.click(None, qa.chat, None, js=COPY_CONVERSATION_JS)

        admin.upload.click(t(page.upload, "upload"), [admin.files, admin.upload_kb, token],
                           [admin.upload_status, admin.docs, admin.files])
        kb_outputs = [admin.kb_status, admin.kb_table, admin.upload_kb, qa.kbs, admin.docs]
        admin.kb_create.click(t(page.create_kb, "create_kb"),
                              [admin.kb_name, admin.kb_display, admin.kb_description, token], kb_outputs)
        admin.kb_delete.click(t(page.delete_kb, "delete_kb"), [admin.kb_name, admin.kb_confirm, token], kb_outputs)
        admin.refresh.click(t(page.list_docs, "list_documents"), token, admin.docs)
        admin.docs.select(t(page.pick_document, "pick_document"), [admin.docs, token], [admin.del_id, admin.del_choice])
        admin.delete.click(t(page.delete, "delete"), [admin.del_id, token],
                           [admin.del_status, admin.docs, admin.del_id, admin.del_choice])
        admin.feedback_refresh.click(t(page.list_feedback, "list_feedback"), token, admin.feedback)
        # a refresh of a list already filled by demo.load: no progress overlay over it
        admin.tab.select(t(page.list_docs, "list_documents"), token, admin.docs, show_progress="hidden")
        # the token first (the question box waits for it), then the rest of the page in one event (two load
        # events would queue side by side and show gradio's English queue status)
        demo.load(page.issue_token, None, [token, qa.question, qa.ask], show_progress="hidden").then(
            page.on_load_all, None, [admin.tab, admin.docs, qa.kbs, admin.upload_kb, admin.kb_table],
            show_progress="hidden")
    return demo
