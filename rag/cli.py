"""The `ragqa` command line: ingest, chunks, ask, serve, keys (and `eval`, a lazy call into `python -m eval`).

Product commands go through the services layer (``RagService``); the eval harness is imported only
when `ragqa eval` runs."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core.settings import Settings, load_settings

app = typer.Typer(help="ragqa: grounded, cited answers over Chinese policy documents.", no_args_is_help=True)
err = Console(stderr=True)


@contextmanager
def exit_on_error() -> Iterator[None]:
    """A domain error (``core.errors.RagqaError``) raised inside: its message on stderr and exit code 2."""
    from core.errors import RagqaError

    try:
        yield
    except RagqaError as e:
        err.print(f"[red]错误:[/red] {e.message}")
        raise typer.Exit(2) from e

IndexDir = Annotated[Path | None, typer.Option("--index-dir", help="Index directory (default: RAGQA_INDEX_DIR or ./.ragqa).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
KbOption = Annotated[str, typer.Option("--kb", help="The knowledge base (see `ragqa kb list`).")]


def _settings(index_dir: Path | None) -> Settings:
    return load_settings(index_dir=index_dir)


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or directories (default: the bundled corpus).")] = None,
    index_dir: IndexDir = None,
    as_json: JsonFlag = False,
    add: Annotated[bool, typer.Option("--add", help="Only add/update; keep documents from other paths.")] = False,
    wait: Annotated[float, typer.Option(help="Seconds to wait for another ingest to finish.")] = 0.0,
    kb: KbOption = "default",
) -> None:
    """Sync knowledge base --kb of the index to the documents in PATHS (documents of that knowledge base whose
    files are gone are removed unless --add; other knowledge bases are untouched)."""
    from core.errors import IndexBusy, MissingPath, NotFound
    from ingest.kb import get_kb
    from ingest.pipeline import default_paths
    from ingest.pipeline import ingest as run_ingest
    from ingest.store import Catalog
    from rag.service import service_running

    settings = _settings(index_dir)
    if service_running(settings):
        err.print("[red]错误:[/red] a running `ragqa serve` holds this index; upload through its API "
                  "(POST /v1/documents) or stop it first.")
        raise typer.Exit(2)
    try:
        get_kb(Catalog(settings), kb)
    except NotFound as e:
        err.print(f"[red]错误:[/red] {e.message}; create it with `ragqa kb create {kb}`")
        raise typer.Exit(2) from e
    targets = list(paths) if paths else default_paths(settings)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, disable=as_json or not err.is_terminal,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task({"files": "读取文件", "pages": "读取页面", "ocr": "识别扫描页", "embed": "向量化"}.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            summary = run_ingest(targets, settings, prune=not add, lock_timeout=wait, progress=progress, kb=kb)
        except (IndexBusy, MissingPath) as e:
            err.print(f"[red]错误:[/red] {e}")
            raise typer.Exit(2) from e
    data = summary.to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    err.print(
        f"documents {data['documents']}  chunks {data['chunks']}  added {data['added']}  updated {data['updated']}  "
        f"deleted {data['deleted']}  unchanged {data['unchanged']}  ({data['seconds']} s)"
    )
    for s in data["skipped"]:
        err.print(f"[yellow]skipped[/yellow] {s['source']}: {s['reason']}")


@app.command()
def chunks(index_dir: IndexDir = None) -> None:
    """Print every stored chunk as one JSON object a line."""
    from ingest.store import Catalog

    settings = _settings(index_dir)
    cat = Catalog(settings.index_dir)
    try:
        for c in cat.chunks():
            row = {
                "chunk_id": c.chunk_id, "doc_id": c.doc_id, "doc_title": c.doc_title, "section": c.section,
                "source": c.source, "start": c.start, "end": c.end, "text": c.text, "also_in": c.also_in,
            }
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        cat.close()


def main() -> None:  # pragma: no cover
    app()


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question; omit for an interactive prompt.")] = None,
    index_dir: IndexDir = None,
    as_json: JsonFlag = False,
    kb: Annotated[list[str] | None, typer.Option("--kb", help="Search only this knowledge base (repeatable; default: all).")] = None,
    after: Annotated[list[str] | None, typer.Option(
        "--after", help="An earlier question this one follows up (repeatable, oldest first), as the API's history: "
                        "ragqa ask 2022年呢？ --after 青溪镇2023年地区生产总值是多少？")] = None,
) -> None:
    """Answer a question from the documents (of the --kb knowledge bases), with numbered sources; --after gives
    the earlier questions of a follow-up (the interactive prompt keeps its own)."""
    from core.text import book_title
    from rag.engine import Turn
    from rag.service import RagService

    settings = _settings(index_dir)
    if not settings.index_dir.is_dir():  # (RagService would create it, empty)
        err.print(f"[red]错误:[/red] 索引目录不存在：{settings.index_dir}（请检查 --index-dir，或先运行 `ragqa ingest`）")
        raise typer.Exit(2)
    service = RagService(settings)
    if not service.ready:
        err.print(f"[red]错误:[/red] 索引为空：请先运行 `ragqa ingest`（index: {settings.index_dir}）")
        raise typer.Exit(2)
    history: list[Turn] = [Turn(role="user", content=x) for x in after or []]

    def one(q: str) -> None:
        with exit_on_error():
            r = service.ask(q, history, kbs=kb or None)
        if as_json:
            typer.echo(r.model_dump_json())
            return
        out = Console()
        out.print(f"\n[bold]{r.answer}[/bold]")
        for n in r.notices:
            out.print(f"[yellow]{n}[/yellow]")
        if r.citations:
            out.print("\n来源：")
            for c in r.citations:
                out.print(f"  [{c.n}] {book_title(c.doc_title)}{(' ' + c.section) if c.section else ''}\n      “{c.quote}”")
        elif r.contexts:
            out.print("\n最接近的资料：")
            for c in r.contexts[:3]:
                out.print(f"  {book_title(c.doc_title)} {c.text[:60]}…")
        history.extend([Turn(role="user", content=q), Turn(role="assistant", content=r.answer)])

    if question is not None:  # "" is a question too (refused as empty), not a request for the prompt
        one(question)
        return
    err.print("请输入问题（空行退出）：")
    while True:
        try:
            q = input("问> ").strip()
        except EOFError:
            break
        if not q:
            break
        one(q)


@app.command("eval")
def eval_cmd(
    gold: Annotated[Path, typer.Option(help="Gold file or directory of *.jsonl.")] = Path("eval/gold"),
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("eval/reports/latest"),
    index_dir: IndexDir = None,
    baseline: Annotated[bool, typer.Option(help="Also run the plain llama-index baseline.")] = True,
) -> None:
    """Run the gold set (same as `python -m eval`): results.jsonl, metrics.json, report.md and metrics.png in OUT."""
    from eval.__main__ import run  # the harness is not part of the product: imported only here

    run(gold, out, _settings(index_dir), baseline=baseline)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    index_dir: IndexDir = None,
) -> None:
    """Serve the HTTP API and the chat page with uvicorn; one access-log line per request on stderr."""
    import logging

    import uvicorn

    from rag.policy import check_bind
    from rag.service import service_lock

    settings = load_settings(index_dir=index_dir, host=host, port=port)
    with exit_on_error():
        check_bind(settings)
    lock = service_lock(settings)
    try:
        lock.acquire(timeout=0)
    except Exception as e:
        err.print(f"[red]错误:[/red] another `ragqa serve` already holds {settings.index_dir}")
        raise typer.Exit(2) from e
    from ui.launcher import build_app

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("ragqa.access").setLevel(logging.INFO)
    app_ = build_app(settings)
    err.print(f"ragqa: http://{settings.host}:{settings.port}/  (API docs: /docs)")
    # h11 with a bounded header buffer: a request whose headers exceed 4x max_header_bytes is refused by the
    # parser (400) before it is held in memory; up to that, the app answers 431 for anything over the limit
    uvicorn.run(app_, host=settings.host, port=settings.port, log_level="warning", access_log=False,
                http="h11", h11_max_incomplete_event_size=4 * settings.max_header_bytes)


@app.command()
def check(index_dir: IndexDir = None, repair: Annotated[bool, typer.Option(help="Delete orphan chunks, rebuild BM25.")] = False) -> None:
    """Compare Chroma with the derived indexes; print the differences (exit 1 if any remain)."""
    from ingest.check import check as run_check

    report = run_check(_settings(index_dir), repair=repair)
    typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    raise typer.Exit(0 if report.ok or (repair and not report.incomplete_documents) else 1)


keys_app = typer.Typer(help="Manage API keys (stored as salted hashes in the index directory).")
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who the key is for.")],
    role: Annotated[str, typer.Option(help="reader (may ask) or admin (may also change documents).")] = "reader",
    kb: Annotated[list[str] | None, typer.Option("--kb", help="NAME[:read|admin]: limit the key to this knowledge "
                                                 "base (repeatable; default access read; none: every knowledge base at --role).")] = None,
    index_dir: IndexDir = None,
) -> None:
    """Create a key and print it once. A key with --kb grants sees no other knowledge base."""
    from core.errors import Invalid
    from core.kb import check_kb_name
    from rag.keys import KeyStore

    grants: dict[str, str] = {}
    try:
        for g in kb or []:
            name_, _, access = g.partition(":")
            grants[check_kb_name(name_)] = access or "read"
    except Invalid as e:
        err.print(f"[red]错误:[/red] {e.message}")
        raise typer.Exit(2) from e
    if grants:
        role = "reader"  # the grants decide; a granted key is never an admin of every knowledge base
    try:
        key = KeyStore(_settings(index_dir)).create(name, role, grants)  # type: ignore[arg-type]
    except ValueError as e:
        err.print(f"[red]错误:[/red] {e}")
        raise typer.Exit(2) from e
    typer.echo(key)
    err.print("This key is shown only once; store it safely.")


@keys_app.command("list")
def keys_list(index_dir: IndexDir = None) -> None:
    """List key names, their role over every knowledge base ("-" for a key limited to its grants), their grants
    (a key with grants reaches only those knowledge bases, 「finance:admin」) and creation time; never the keys."""
    import datetime as dt

    from rag.keys import KeyStore

    typer.echo("name\trole (every knowledge base)\tgrants (only these knowledge bases)\tcreated")
    for k in KeyStore(_settings(index_dir)).list():
        scope = ",".join(f"{kb}:{a}" for kb, a in k.grants) or "-"
        role = "-" if k.grants else k.role  # a key with grants reaches those knowledge bases only
        typer.echo(f"{k.name}\t{role}\t{scope}\t{dt.datetime.fromtimestamp(k.created_at):%Y-%m-%d %H:%M}")


@keys_app.command("rotate")
def keys_rotate(name: str, index_dir: IndexDir = None) -> None:
    """Replace a key by a new one of the same name and role and print it once: the old key stops working
    at once, on the API and for every chat-page session opened with it."""
    from rag.keys import KeyStore

    store = KeyStore(_settings(index_dir))
    role = next((k.role for k in store.list() if k.name == name), None)
    if role is None or not store.revoke(name):
        err.print(f"[red]错误:[/red] no key named {name!r}")
        raise typer.Exit(2)
    typer.echo(store.create(name, role))
    err.print("This key is shown only once; store it safely. The old key no longer works.")


@keys_app.command("revoke")
def keys_revoke(name: str, index_dir: IndexDir = None) -> None:
    """Revoke a key by name."""
    from rag.keys import KeyStore

    if not KeyStore(_settings(index_dir)).revoke(name):
        err.print(f"[red]错误:[/red] no key named {name!r}")
        raise typer.Exit(2)
    typer.echo(f"revoked {name}")


kb_app = typer.Typer(help="Manage knowledge bases (named document sets, stored in Chroma beside the documents).")
app.add_typer(kb_app, name="kb")


def _refuse_if_served(settings: Settings) -> None:
    from rag.service import service_running

    if service_running(settings):
        err.print("[red]错误:[/red] a running `ragqa serve` holds this index; use its API (/v1/kbs) or stop it first.")
        raise typer.Exit(2)


@kb_app.command("list")
def kb_list(index_dir: IndexDir = None, as_json: JsonFlag = False) -> None:
    """List knowledge bases with their document counts."""
    from ingest.kb import list_kbs
    from ingest.store import Catalog

    catalog = Catalog(_settings(index_dir))
    counts: dict[str, int] = {}
    for d in catalog.documents():
        counts[d.kb] = counts.get(d.kb, 0) + 1
    rows = [{**k.to_dict(), "documents": counts.get(k.name, 0)} for k in list_kbs(catalog)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(f"{r['name']}\t{r['display']}\t{r['documents']} documents\t{r['description']}")


@kb_app.command("create")
def kb_create(
    name: Annotated[str, typer.Argument(help="Id: letters, digits, '_' or '-'.")],
    display: Annotated[str, typer.Option(help="Display name (default: the id).")] = "",
    description: Annotated[str, typer.Option(help="What the knowledge base holds.")] = "",
    index_dir: IndexDir = None,
) -> None:
    """Create an empty knowledge base."""
    from ingest.kb import create_kb

    _refuse_if_served(_settings(index_dir))
    with exit_on_error():
        kb = create_kb(_settings(index_dir), name, display, description)
    typer.echo(f"created {kb.name}")


@kb_app.command("rename")
def kb_rename(
    name: str,
    display: Annotated[str, typer.Option(help="The new display name (the id stays).")],
    description: Annotated[str | None, typer.Option(help="A new description.")] = None,
    index_dir: IndexDir = None,
) -> None:
    """Rename a knowledge base (its display name) and optionally change its description."""
    from ingest.kb import update_kb

    _refuse_if_served(_settings(index_dir))
    with exit_on_error():
        kb = update_kb(_settings(index_dir), name, display, description)
    typer.echo(f"renamed {kb.name}: {kb.display}")


@kb_app.command("delete")
def kb_delete(
    name: str,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: the knowledge base's documents are deleted with it.")] = False,
    index_dir: IndexDir = None,
) -> None:
    """Delete a knowledge base and all its documents (asks for confirmation unless --yes)."""
    from ingest.kb import delete_kb

    _refuse_if_served(_settings(index_dir))
    if not yes and not typer.confirm(f"Delete knowledge base {name} and all its documents?"):
        err.print("not deleted")
        raise typer.Exit(1)
    with exit_on_error():
        n = delete_kb(_settings(index_dir), name)
    typer.echo(f"deleted {name} ({n} documents)")
