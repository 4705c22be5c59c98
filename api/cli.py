"""The ``tanlu`` command: ingest, search, ask, practices, figures, progress, compile, serve, mcp, stats.

Thread settings are fixed before numpy or the embedder load: numpy's multi-threaded
BLAS fights the embedder's OpenMP threads on small machines (STACK-NOTES).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from pydantic import SecretStr, ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.rule import Rule
from rich.table import Table
from rich.text import Text
from typer._click.exceptions import ClickException
from typer.core import TyperCommand, TyperGroup, TyperOption

from api import messages
from api.cli_usage import chinese_message
from api.compile.checks import DEFAULT_TITLE
from api.settings import Settings
from index.config import ANSWER_TOP_K, SearchMode
from ingest.errors import InputError, TanluError, as_storage_error

# Width rich lays lines out in when its output is not a terminal (a pipe, a file, nohup,
# systemd): wide enough that no message is wrapped mid-sentence and no table cell is
# shortened to 「…」 (rich's own default there is 80 columns).
UNWRAPPED_WIDTH = 10_000
# Length of a heading rule (search, practices) when the output is not a terminal: a
# terminal's usual width, or what the title needs, not UNWRAPPED_WIDTH dashes.
PLAIN_RULE_WIDTH = 80


def _console(stderr: bool = False) -> Console:
    """A console on stdout or stderr: rich's own on a terminal; otherwise one that never
    wraps, crops or truncates, since a log or a pipe is read whole, not in a window."""
    shown = Console(stderr=stderr)
    if shown.is_terminal:
        return shown
    return Console(stderr=stderr, width=UNWRAPPED_WIDTH, soft_wrap=True)


console = _console()
error_console = _console(stderr=True)
# Under nohup or systemd (stdout not a terminal) a progress line at most this often per stage.
PROGRESS_LINE_SECONDS = 5.0
# uvicorn's supervisor kills a worker that does not answer its ping within this time
# (5 s by default); a worker loading the model on a busy two-core machine can take longer.
WORKER_HEALTHCHECK_SECONDS = 120


def _rule(title: str) -> None:
    """``console.rule(title)``; where nothing wraps, a rule as long as a terminal's or as
    its title needs (a rule fills the width, and that width is UNWRAPPED_WIDTH there)."""
    if console.is_terminal:
        console.rule(title)
        return
    console.print(Rule(title), width=max(PLAIN_RULE_WIDTH, Text.from_markup(title).cell_len + 6))


# The help option's text, in place of click's 「Show this message and exit.」, which typer
# hardcodes for every command and group.
HELP_OPTION_TEXT = "显示此帮助并退出。"
# The words typer frames every help page with (its module's settings, read as it renders).
HELP_FRAME = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "DEPRECATED_STRING": "（已弃用）",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": messages.CLI_HELP_HINT,
}
# Width of a help page when it is not shown on a terminal (rich's default there is 80
# columns, which broke its Chinese sentences in the middle); a page of boxes cannot be
# unwrapped like the other output.
PIPED_HELP_WIDTH = 120


def _frame_help_in_chinese() -> None:
    """typer's help pages and usage errors in Chinese, and wide enough in a pipe (``tanlu --help | cat``)."""
    import typer.rich_utils as help_pages

    for name, words in HELP_FRAME.items():
        setattr(help_pages, name, words)
    if not console.is_terminal and help_pages.MAX_WIDTH is None:
        help_pages.MAX_WIDTH = PIPED_HELP_WIDTH
    shown = help_pages.rich_format_error

    def rich_format_error(self: ClickException) -> None:  # typer's signature: ``self`` is the error
        """typer's error panel, with click's usage error in Chinese (api/cli_usage.py)."""
        try:
            text = chinese_message(self)
        except Exception:  # a wording this module does not know: click's own beats a traceback
            logging.getLogger(__name__).debug("usage error not reworded", exc_info=True)
        else:
            self.format_message = lambda: text  # type: ignore[method-assign]
        shown(self)

    help_pages.rich_format_error = rich_format_error


_frame_help_in_chinese()


def _in_chinese(option: TyperOption | None) -> TyperOption | None:
    if option is not None:
        option.help = HELP_OPTION_TEXT
    return option


def _usage_in_chinese(usage: str) -> str:
    """click's usage line (「Usage: tanlu search [OPTIONS] QUERY」), its words in Chinese."""
    return usage.replace("Usage: ", "用法：", 1)


class _Command(TyperCommand):
    """A command whose --help option and usage line are in Chinese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options_metavar = "[选项]"

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return _in_chinese(super().get_help_option(ctx))

    def get_usage(self, ctx: Any) -> str:
        return _usage_in_chinese(super().get_usage(ctx))


class _App(typer.Typer):
    """A typer app whose commands are ``_Command`` unless they name another class."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", _Command)
        return super().command(*args, **kwargs)


class _Commands(TyperGroup):
    """The one place the CLI turns a TanluError into its Chinese message and exit code
    (2 for input the user can correct on the command line, 1 otherwise): no traceback
    for a stated reason. A data folder that cannot be written (read-only, disk full) and
    a setting that does not validate are stated reasons too, whatever raised them; a
    setting is the environment's, not the command line's, so it exits 1 like a model
    path that does not load. Its --help option and usage line are in Chinese, like
    its commands' (``_Command``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options_metavar = "[选项]"
        self.subcommand_metavar = "命令 [参数]..."

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return _in_chinese(super().get_help_option(ctx))

    def get_usage(self, ctx: Any) -> str:
        return _usage_in_chinese(super().get_usage(ctx))

    def invoke(self, ctx: Any) -> Any:  # typer's own (vendored) click Context
        try:
            return super().invoke(ctx)
        except TanluError as error:
            self._fail(error.message, error.exit_code)
        except ValidationError as error:
            self._fail(setting_problem(error), 1)
        except Exception as error:
            storage = as_storage_error(error)
            if storage is None:
                raise
            self._fail(storage.message, storage.exit_code)

    @staticmethod
    def _fail(message: str, code: int) -> None:
        error_console.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code) from None


def setting_problem(error: ValidationError) -> str:
    """A Settings validation error as one Chinese line naming the setting."""
    first = error.errors()[0]
    name = str(first["loc"][0]) if first.get("loc") else ""
    reason = str(first.get("msg", "")).removeprefix("Value error, ")
    return f"设置 TANLU_{name.upper()} 无效：{reason}" if name else f"设置无效：{reason}"


app = _App(cls=_Commands, help="碳路 TanLu：宁夏碳达峰试点知识库", no_args_is_help=True, add_completion=False)


# Options shared by several commands, declared once.
PilotTypeOption = Annotated[str | None, typer.Option("--type", help="试点类型")]
RegionOption = Annotated[str | None, typer.Option(help="地区")]
DocTypeOption = Annotated[str | None, typer.Option("--doc-type", help="文档类型")]
FieldOption = Annotated[str | None, typer.Option(help="领域")]
YearOption = Annotated[str | None, typer.Option(help="年份或半年度，如 2025 或 2025H1")]
JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON")]


def _open(settings: Settings, status: Console = console):
    """The knowledge base (a missing Chroma server or model raises a TanluError)."""
    from index import KnowledgeBase

    with status.status("正在加载知识库…"):
        return KnowledgeBase(settings.index_config())


def _open_filled(settings: Settings):
    """The knowledge base for a command that reads it (search, ask, practices…). A data
    folder that does not exist or holds no document is said so, exit 1, and one that
    does not exist is not made: run from another folder without TANLU_DATA_DIR,
    ``tanlu search`` made an empty ./data and answered 「没有找到相关内容」 with exit 0, as
    if the corpus had nothing on the question."""
    if not settings.data_dir.is_dir():
        raise TanluError(messages.NOTHING_INGESTED_YET.format(path=settings.data_dir))
    kb = _open(settings)
    if not kb.document_count():
        kb.close()
        raise TanluError(messages.NOTHING_INGESTED_YET.format(path=settings.data_dir))
    return kb


def run_ingest(kb, paths: list[Path], as_json: bool = False, *, reload: bool = True) -> int:
    """Ingest with progress, a per-file report and a summary; returns error count.

    With ``as_json`` the report goes to stdout as JSON and the progress to stderr.
    Without ``reload`` the process will not search afterwards (KnowledgeBase.ingest).
    Progress is a live bar in a terminal and plain log lines otherwise (nohup,
    systemd, a pipe), where a bar would print nothing until the end.
    """
    shown_on = error_console if as_json else console
    if shown_on.is_interactive:
        with _bars(shown_on) as on_progress:
            report = kb.ingest(paths, on_progress, reload=reload)
    else:
        report = kb.ingest(paths, ProgressLines(shown_on.file), reload=reload)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        return len(report.errors)
    labels = {"ok": "[green]已入库[/green]", "error": "[red]错误[/red]", "skipped": "[yellow]跳过[/yellow]"}
    for file in report.files:
        if file.status == "ok" and not file.chunks:
            continue  # unchanged files are counted in the summary
        detail = f"{file.doc_id}（{file.chunks} 个分块）" if file.status == "ok" else file.message
        console.print(f"{labels[file.status]} {_shown_path(file.path)}：{detail}", soft_wrap=True, highlight=False)
    console.print(
        f"新增 {report.added} 篇，更新 {report.updated} 篇，未变 {report.unchanged} 篇，删除 {report.removed} 篇；"
        f"分块 {report.chunks_total} 个，新计算向量 {report.chunks_embedded} 个（缓存命中 {report.cache_hits}）；"
        f"错误 {len(report.errors)} 个；用时 {report.seconds:.1f} 秒"
    )
    return len(report.errors)


@contextmanager
def _bars(shown_on: Console) -> Iterator[Callable[[str, int, int], None]]:
    """Rich bars, one per stage, each ending at its total. A stage with nothing to do
    (total 0, as when every file failed) is a full bar reading 「0/0」: rich divides by
    the total, and a total of None would read 「0/?」, never ending."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[amount]}"),
        TimeElapsedColumn(),
        console=shown_on,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            amount = f"{done}/{total}"
            done, total = (done, total) if total else (1, 1)
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total, amount=amount)
            progress.update(tasks[stage], completed=done, total=total, amount=amount)

        yield on_progress


class ProgressLines:
    """Progress as log lines: a stage's start, its end, and a line at most every
    ``PROGRESS_LINE_SECONDS`` in between, each with the time of day, flushed at once."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._last: tuple[str, int, int] = ("", -1, -1)
        self._at = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        same_stage = stage == self._last[0]
        finished = done >= total  # 0/0 too: a stage with nothing to do (every file failed) ends
        if (stage, done, total) == self._last:
            return
        if same_stage and not finished and now - self._at < PROGRESS_LINE_SECONDS:
            return
        self._last, self._at = (stage, done, total), now
        print(f"{time.strftime('%H:%M:%S')} {stage} {done}/{total}", file=self.stream, flush=True)


def _shown_path(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="文件或文件夹（默认：设置中的语料目录）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出逐文件报告（进度写到标准错误）")] = False,
) -> None:
    """导入文档（增量：未变的文件不重复计算；源目录中删除的文件从索引移除）。"""
    settings = Settings()
    paths = paths or [settings.corpus_dir]
    missing = [path for path in paths if not path.exists()]
    if len(missing) == len(paths):  # a mistyped path: nothing to do, no data folder to make
        raise InputError(messages.CLI_PATHS_MISSING.format(paths="、".join(map(str, missing))))
    for path in missing:
        error_console.print(f"[red]路径不存在：{path}[/red]")
    kb = _open(settings)
    errors = run_ingest(kb, [path for path in paths if path.exists()], as_json, reload=False)  # nothing searches after
    kb.close()
    raise typer.Exit(1 if errors or missing else 0)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="检索问题或关键词")],
    pilot_type: PilotTypeOption = None,
    region: RegionOption = None,
    doc_type: DocTypeOption = None,
    field: FieldOption = None,
    year: YearOption = None,
    top_k: Annotated[int, typer.Option("-k", "--top-k", min=1, max=50, help="返回条数")] = 5,
    mode: Annotated[SearchMode, typer.Option(help="hybrid、bm25 或 dense")] = "hybrid",
    as_json: JsonOption = False,
) -> None:
    """检索知识库。"""
    from api.highlight import QueryMarks
    from api.presenters import to_hit
    from index import SearchFilters

    if not query.strip():
        raise InputError(messages.EMPTY_QUERY, parameter="query")
    filters = SearchFilters.parse(pilot_type=pilot_type, region=region, doc_type=doc_type, field=field, year=year)
    kb = _open_filled(Settings())
    read_as = kb.understand(query)[0]
    marks = QueryMarks(read_as)
    found = kb.search(query, filters, top_k, mode, read_as=read_as)
    hits = [to_hit(rank, marks, hit) for rank, hit in enumerate(found, start=1)]
    if as_json:
        print(json.dumps([hit.model_dump() for hit in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        console.print("没有找到相关内容。")
    for hit in hits:
        pilot, kind, region, doc_type, when = (
            _marked(hit, key)
            for key in ("pilot", "pilot_type", "region", "doc_type", "period" if hit.period else "date")
        )
        _rule(f"[bold]{hit.rank}. {pilot}（{kind}·{region}） 相关度 {hit.score:.3f}")
        where = " › ".join(part for part in (hit.heading_path, page_label(hit.page, hit.page_end)) if part)
        console.print(f"[dim]{_marked(hit, 'title')}（{doc_type}{'·' + when if when else ''}） › {where}[/dim]")
        text = hit.text
        for term in hit.matched_terms:
            text = text.replace(term, f"[bold yellow]{term}[/bold yellow]")
        console.print(text)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="问题")],
    pilot_type: PilotTypeOption = None,
    region: RegionOption = None,
    doc_type: DocTypeOption = None,
    field: FieldOption = None,
    year: YearOption = None,
    as_json: JsonOption = False,
) -> None:
    """问答：答案逐句标注来源（试点、文档、章节）；资料不足时明确说明。"""
    from api.presenters import ask_response
    from index import SearchFilters
    from index.generative import make_llm

    if not question.strip():
        raise InputError(messages.EMPTY_QUESTION, parameter="question")
    filters = SearchFilters.parse(pilot_type=pilot_type, region=region, doc_type=doc_type, field=field, year=year)
    settings = Settings()
    kb = _open_filled(settings)
    options = settings.llm_options()
    answer, generated = kb.answer(question.strip(), filters, ANSWER_TOP_K, make_llm(options) if options else None)
    response = ask_response(answer, generated, kb.chunk)
    if as_json:
        print(json.dumps(response.model_dump(), ensure_ascii=False, indent=2))
        return
    # soft_wrap: an answer is copied into reports, so rich must not cut its lines.
    console.print(
        response.answer if response.found else f"[yellow]{response.note}[/yellow]", highlight=False, soft_wrap=True
    )
    shown = response.citations if response.found else response.related
    if shown:
        _rule("来源" if response.found else "可能相关")
    for citation in shown:
        where = " › ".join(
            part for part in (citation.heading_path, page_label(citation.page, citation.page_end)) if part
        )
        console.print(
            f"[{citation.n}] {citation.pilot}《{citation.title}》 › {where}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    if response.found and response.note:
        console.print(f"[dim]{response.note}[/dim]", soft_wrap=True)


def page_label(page: int | None, page_end: int | None = None) -> str:
    """「第3页」 or 「第3–4页」; empty for formats without pages."""
    if not page:
        return ""
    return f"第{page}–{page_end}页" if page_end and page_end != page else f"第{page}页"


def _marked(item, key: str) -> str:
    """A metadata value, marked 「（推断）」 when it was guessed from the text."""
    value = str(getattr(item, key) or "")
    return f"{value}（推断）" if value and key in item.inferred else value


@app.command()
def practices(
    query: Annotated[str, typer.Argument(help="检索词（可空）")] = "",
    pilot_type: PilotTypeOption = None,
    region: RegionOption = None,
    field: FieldOption = None,
    limit: Annotated[int, typer.Option("-n", "--limit", min=1, max=200, help="最多条数")] = 20,
    as_json: JsonOption = False,
) -> None:
    """经验做法目录：按试点类型、地区、领域筛选，可按文本检索。"""
    from api.presenters import practice_out, section_pages
    from index import SearchFilters

    filters = SearchFilters.parse(pilot_type=pilot_type, region=region, field=field)
    kb = _open_filled(Settings())
    page_of = section_pages(kb)
    found = [practice_out(p, score if query else None, page_of) for p, score in kb.practices(query, filters, limit)]
    if as_json:
        print(json.dumps([item.model_dump() for item in found], ensure_ascii=False, indent=2))
        return
    if not found:
        console.print("没有符合条件的经验做法。")
    for index, item in enumerate(found, start=1):
        _rule(f"[bold]{index}. {item.title}")
        console.print(f"[dim]{item.pilot}（{item.pilot_type}·{item.region}）  领域：{'、'.join(item.fields)}[/dim]")
        console.print(item.description, highlight=False)
        for figure in item.figures[:5]:
            console.print(
                f"  • {figure.name}：{figure.text}" + (f"（{figure.period}）" if figure.period else ""), highlight=False
            )
        for source in item.sources:
            where = " › ".join(part for part in (source.heading_path, page_label(source.page)) if part)
            console.print(f"  [dim]来源：{source.title} › {where}[/dim]", highlight=False)


@app.command()
def compile(
    output: Annotated[Path, typer.Argument(help="输出文件：.docx、.pdf 或 .md")],
    pilot_types: Annotated[list[str] | None, typer.Option("--type", help="试点类型，可重复")] = None,
    fields: Annotated[list[str] | None, typer.Option("--field", help="领域，可重复")] = None,
    periods: Annotated[list[str] | None, typer.Option("--period", help="时期，如 2025H1 或 2025，可重复")] = None,
    title: Annotated[str, typer.Option(help="标题")] = DEFAULT_TITLE,
    issuer: Annotated[str | None, typer.Option(help="编印单位，默认为设置 TANLU_COMPILE_ISSUER")] = None,
    include_routine: Annotated[bool, typer.Option("--include-routine", help="收录例行管理事项")] = False,
) -> None:
    """把所选类型、领域、时期的经验做法汇编成公文版式的 Word、PDF 或 Markdown 文件。"""
    from api.compile import RenderUnavailable, compile_docx, compile_outline, compile_request, write_markdown

    settings = Settings()
    request = compile_request(
        pilot_types=pilot_types or (),
        fields=fields or (),
        periods=periods or (),
        title=title,
        issuer=settings.compile_issuer if issuer is None else issuer,
        include_routine=include_routine,
        names={
            "pilot_types": "--type",
            "fields": "--field",
            "periods": "--period",
            "title": "--title",
            "issuer": "--issuer",
        },
    )
    suffix = output.suffix.lower()
    if suffix not in (".docx", ".pdf", ".md"):
        raise InputError("输出文件应以 .docx、.pdf 或 .md 结尾", parameter="output")
    kb = _open_filled(settings)
    outline = compile_outline(kb, request)
    if suffix == ".md":
        output.write_text(write_markdown(outline), encoding="utf-8")
    else:
        with console.status("正在排版（LibreOffice 计算目录页码）…"):
            compiled = compile_docx(outline, with_pdf=suffix == ".pdf")
        if suffix == ".pdf" and compiled.pdf is None:
            docx_path = output.with_suffix(".docx")
            docx_path.write_bytes(compiled.docx)
            raise RenderUnavailable(f"{compiled.render_error}（已另存 {docx_path}）", parameter="output")
        output.write_bytes(compiled.pdf if suffix == ".pdf" and compiled.pdf else compiled.docx)
        if compiled.note:
            console.print(f"[yellow]{compiled.note}[/yellow]")
    console.print(
        f"已生成 {output}：{len(outline.practices)} 条经验做法，{len(outline.references)} 条来源"
        + (f"；未收录例行管理事项 {outline.left_out_routine} 条" if outline.left_out_routine else "")
        + "。"
    )


@app.command()
def export(
    kind: Annotated[
        str, typer.Argument(help="导出内容：practices（经验做法）、search（检索结果）或 figures（指标数据）")
    ],
    output: Annotated[Path, typer.Argument(help="输出文件（.xlsx）")],
    query: Annotated[str, typer.Option("-q", "--query", help="检索词（search 必填，practices 可选）")] = "",
    pilot_type: PilotTypeOption = None,
    region: RegionOption = None,
    doc_type: DocTypeOption = None,
    field: FieldOption = None,
    year: YearOption = None,
    limit: Annotated[int, typer.Option("-n", "--limit", min=1, max=2000, help="最多条数")] = 200,
) -> None:
    """把经验做法、检索结果或指标数据导出为 Excel 表（含来源列和原文链接）。"""
    from api.exports import figure_rows, figures_workbook, practices_workbook, search_workbook
    from api.presenters import section_link
    from index import SearchFilters

    if kind not in ("practices", "search", "figures"):
        raise InputError("导出内容应为 practices、search 或 figures", parameter="kind")
    if output.suffix.lower() != ".xlsx":
        raise InputError("输出文件应以 .xlsx 结尾", parameter="output")
    if kind == "search" and not query.strip():
        raise InputError(messages.EMPTY_QUERY, parameter="--query")
    settings = Settings()
    filters = SearchFilters.parse(pilot_type=pilot_type, region=region, doc_type=doc_type, field=field, year=year)
    base = settings.public_url or f"http://{settings.host}:{settings.port}"

    def link_of(doc_id: str, heading_path: str) -> str:
        return section_link(base, doc_id, heading_path)

    kb = _open_filled(settings)
    if kind == "practices":
        chosen = [practice for practice, _ in kb.practices(query.strip(), filters, limit)]
        content, count = practices_workbook(chosen, link_of), len(chosen)
    elif kind == "search":
        hits = kb.search(query.strip(), filters, min(limit, 200))
        content, count = search_workbook(query.strip(), hits, link_of), len(hits)
    else:
        rows = figure_rows(kb, filters)
        content, count = figures_workbook(rows, link_of), len(rows)
    output.write_bytes(content)
    console.print(f"已导出 {output}：{count} 行。")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="监听地址")] = None,
    port: Annotated[int | None, typer.Option(help="监听端口")] = None,
    ingest_dir: Annotated[Path | None, typer.Option("--ingest", help="启动前先导入此目录")] = None,
    workers: Annotated[int, typer.Option(min=1, max=32, help="服务进程数（共用同一数据目录，彼此的写入随即可见）")] = 1,
) -> None:
    """启动 API 服务（文档见 /docs）。"""
    import uvicorn

    from api.slow_headers import HTTP_PROTOCOL
    from index.memory import limit_arenas

    limit_arenas()  # before the request threads start (index/memory.py says why)
    settings = Settings()
    host = host or settings.host
    port = port or settings.port
    if workers == 1:
        from api.app import create_app

        kb = _open(settings)
        if ingest_dir is not None:
            run_ingest(kb, [ingest_dir])
        _serving(settings, host, port)
        uvicorn.run(create_app(settings, kb), host=host, port=port, log_level="warning", http=HTTP_PROTOCOL)
        return
    # The supervisor only starts and watches the workers: the data folder is opened (an
    # interrupted ingest finished, --ingest run) by a child process, since a process that
    # loaded the model and dictionaries keeps ~340 MB it would never use again. Each
    # worker opens the data folder itself; ingest.lock and the index watcher keep them
    # consistent. The workers share the cores: each embedder gets its share of threads.
    prepared = subprocess.run([sys.executable, "-m", "api.cli", "prepare", *([str(ingest_dir)] if ingest_dir else [])])
    if prepared.returncode:
        raise typer.Exit(prepared.returncode)
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, len(os.sched_getaffinity(0)) // workers)))
    _serving(settings, host, port)
    console.print(f"服务进程：{workers} 个", highlight=False)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        http=HTTP_PROTOCOL,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


def _serving(settings: Settings, host: str, port: int) -> None:
    console.print(f"碳路 TanLu 已启动：[bold]http://{host}:{port}/[/bold]  接口文档：http://{host}:{port}/docs")
    console.print(_writes_status(settings), highlight=False)


def _writes_status(settings: Settings) -> str:
    """One line for ``tanlu serve``: are writes on, and with what limit. Here rather than
    with the upload jobs: the ``--workers`` supervisor prints it and must not load the index."""
    from api.pilot_tokens import TokenStore
    from api.uploads import human_size

    if not settings.write_token.get_secret_value() and not TokenStore(settings.data_dir).any_active():
        return "写入接口：未启用（设置 TANLU_WRITE_TOKEN 或用 tanlu tokens add 添加试点令牌后可通过 HTTP 上传、删除）"
    reads = "需要令牌" if settings.read_token.get_secret_value() else "公开"
    limit = human_size(settings.max_file_bytes)
    return f"写入接口：已启用（单个文件上限 {limit}，保存到 {settings.uploads_path()}）；读取接口：{reads}"


@app.command(hidden=True)
def prepare(ingest_dir: Annotated[Path | None, typer.Argument()] = None) -> None:
    """Open the data folder, finishing an interrupted ingest, and ingest ``ingest_dir``:
    what `tanlu serve --workers N` has done before it starts the workers."""
    kb = _open(Settings())
    try:
        if ingest_dir is not None:
            run_ingest(kb, [ingest_dir])
    finally:
        kb.close()


@app.command()
def mcp() -> None:
    """以 MCP（stdio）提供知识库，供支持 MCP 的助手调用（检索、问答、经验做法、试点、汇编）。"""
    from api.index_watcher import IndexWatcher
    from api.mcp_http import links_base
    from api.mcp_server import build_mcp_server
    from index.generative import make_llm

    settings = Settings()
    kb = _open(settings, status=error_console)  # stdout is the MCP wire: nothing else may go there
    options = settings.llm_options()
    llm = make_llm(options) if options else None
    # An assistant keeps this process for its whole session: what `tanlu ingest` or a
    # server writes meanwhile is picked up as the server does (api/index_watcher.py).
    watcher = IndexWatcher(kb)
    watcher.start()
    try:
        build_mcp_server(lambda: kb, lambda: llm, links_base(settings)).run("stdio")
    finally:
        watcher.stop()
        kb.close()


@app.command()
def figures(
    check: Annotated[bool, typer.Option("--check", help="检查指标：跳变、单位冲突、名称相近、时期超出")] = False,
    pilot_id: Annotated[str | None, typer.Option("--pilot", help="列出一个试点的指标序列（试点编号）")] = None,
    show_explained: Annotated[bool, typer.Option("--all", help="检查结果中也列出已有说明的条目")] = False,
    as_json: JsonOption = False,
) -> None:
    """指标：一个试点的指标序列（--pilot），或全部指标的检查（--check；有未解释的条目时退出码为 1）。"""
    from index.figure_check import load_notes

    settings = Settings()
    kb = _open_filled(settings)
    if pilot_id:
        series = kb.time_series(pilot_id)
        if as_json:
            print(json.dumps([asdict(item) for item in series], ensure_ascii=False, indent=2))
            return
        for item in series:
            points = "，".join(f"{point.label} {point.value:g}" for point in item.points)
            console.print(f"{item.name}（{item.period_kind}，{item.unit}）：{points}", highlight=False)
        return
    if not check:
        console.print("请用 --check 检查全部指标，或用 --pilot <试点编号> 列出一个试点的指标序列。")
        raise typer.Exit(2)
    try:
        notes = load_notes(settings.corpus_dir)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    report = kb.check_figures(notes)
    if as_json:
        items = [asdict(item) | {"explained": item.explained} for item in report.items]
        summary = {"series": report.series, "figures": report.figures, "unexplained": len(report.unexplained)}
        print(json.dumps(summary | {"items": items}, ensure_ascii=False, indent=2))
    else:
        shown = report.items if show_explained else report.unexplained
        for item in shown:
            where = f"{item.pilot}（{item.pilot_id}）" if item.pilot_id else ""
            console.print(f"[bold]{item.kind}[/bold] {where} {item.indicator}：{item.detail}", highlight=False)
            if item.explanation:
                console.print(f"  [dim]说明：{item.explanation}[/dim]", highlight=False)
            if item.doc_ids:
                console.print(f"  [dim]文档：{'、'.join(item.doc_ids)}[/dim]", highlight=False)
        console.print(
            f"检查了 {report.series} 个指标序列（{report.figures} 个指标）：{len(report.items)} 条，"
            f"其中已说明 {len(report.items) - len(report.unexplained)} 条，未解释 {len(report.unexplained)} 条。",
            highlight=False,
        )
    if report.unexplained:
        raise typer.Exit(1)


@app.command()
def progress(
    pilot_type: PilotTypeOption = None,
    pilot_id: Annotated[str | None, typer.Option("--pilot", help="只看一个试点的目标（试点编号）")] = None,
    status: Annotated[str | None, typer.Option(help="只列出该状态的目标：已完成、按进度、滞后、无数据")] = None,
    as_json: JsonOption = False,
) -> None:
    """试点工作进度：报告报送情况、各试点目标的状态（附目标原句与据以判定的报告原句）。"""
    from api.progress_presenters import progress_out
    from index import SearchFilters
    from index.target_status import STATUSES

    filters = SearchFilters.parse(pilot_type=pilot_type)
    if status is not None and status not in STATUSES:
        raise InputError(messages.NOT_ALLOWED.format(name="--status", allowed="、".join(STATUSES)), parameter="status")
    kb = _open_filled(Settings())
    try:
        if pilot_id is not None and kb.pilot(pilot_id) is None:
            raise InputError(messages.PILOT_NOT_FOUND.format(pilot_id=pilot_id), parameter="pilot")
        result = progress_out(kb, filters.pilot_type)
    finally:
        kb.close()
    targets = [
        target
        for target in result.targets
        if (pilot_id is None or target.pilot_id == pilot_id) and (status is None or target.status == status)
    ]
    if as_json:
        data = result.model_dump()
        data["targets"] = [target.model_dump() for target in targets]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    reporting = Table(title="半年度报告报送情况（✓ 已报送，✗ 缺报）")
    reporting.add_column("试点")
    for period in result.periods:
        reporting.add_column(period, justify="center")
    for item in result.reporting:
        if pilot_id is not None and item.pilot_id != pilot_id:
            continue
        marks = {slot.period: ("✓" if slot.doc_id else "[red]✗[/red]") for slot in item.slots}
        reporting.add_row(f"{item.pilot}（{item.pilot_type}）", *(marks.get(p, "—") for p in result.periods))
    console.print(reporting)
    for item in result.reporting:
        for slot in item.outside_plan:
            console.print(f"[yellow]{item.pilot} 的 {slot.period} 报告超出实施方案年限：{slot.doc_id}[/yellow]")
    counts = "，".join(f"{name} {count}" for name, count in result.status_counts.items())
    console.print(f"目标状态：{counts}", highlight=False)
    table = Table(title="目标与进度", show_lines=True)
    for column in ("试点", "目标", "状态", "依据与出处"):
        table.add_column(column)
    colours = {"已完成": "green", "按进度": "cyan", "滞后": "red", "无数据": "dim"}
    for target in targets:
        cited = f"目标：{target.target_source.sentence}（{target.target_source.title}）"
        if target.latest_source is not None:
            cited += f"\n最新：{target.latest_source.sentence}（{target.latest_source.title}）"
        if target.credited:
            cited += "\n做法：" + "；".join(credit.title for credit in target.credited)
        goal = f"{target.year}年 {target.indicator} {target.form} {target.text}"
        table.add_row(
            target.pilot,
            goal,
            f"[{colours[target.status]}]{target.status}[/]",
            f"{target.reason}\n{cited}",
        )
    console.print(table)


@app.command()
def backup(target: Annotated[Path, typer.Argument(help="备份到的新目录")]) -> None:
    """备份数据目录（可在服务运行时进行：期间的导入、上传稍候执行，检索不受影响）。"""
    from api.backup import backup as make_backup

    settings = Settings()

    told: list[bool] = []

    def waiting(seconds: float) -> None:
        """Said once: the lock calls this about once a second while it waits."""
        if not told:
            error_console.print("正在等待进行中的导入完成…")
            told.append(True)

    manifest = make_backup(settings.data_dir, target, waiting)
    console.print(
        f"已备份到 {target}：文档 {manifest['documents']} 篇，分块 {manifest['chunks']} 个（{manifest['created_at']}）",
        highlight=False,
    )
    if settings.chroma_mode == "http":
        console.print("Chroma 服务模式：向量在 Chroma 服务中，未包含在备份里（恢复后由向量缓存重建，无需重新计算）")
    if settings.uploads_dir is not None:
        console.print(f"上传目录 {settings.uploads_dir} 不在数据目录中，未包含在备份里，请另行备份")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="tanlu backup 生成的备份目录")],
    force: Annotated[bool, typer.Option("--force", help="数据目录不为空时也替换（原目录改名保留）")] = False,
) -> None:
    """用备份恢复数据目录（须先停止服务）。"""
    from api.backup import restore as put_back

    settings = Settings()
    manifest, kept = put_back(source, settings.data_dir, force=force)
    console.print(
        f"已恢复到 {settings.data_dir}：文档 {manifest['documents']} 篇，分块 {manifest['chunks']} 个"
        f"（备份于 {manifest['created_at']}）",
        highlight=False,
    )
    if kept is not None:
        console.print(f"原数据目录已改名保留为 {kept}", highlight=False)


# What ``KnowledgeBase.stats()`` holds, in the words a user reads.
STATS_LABELS = {
    "documents": "文档",
    "chunks": "分块",
    "pilots": "试点",
    "by_pilot_type": "各类型试点的文档",
    "by_doc_type": "各类文档",
    "embedder": "向量模型",
    "collection": "Chroma 集合",
    "cached_embeddings": "向量缓存条数",
}


def _setting_value(value: Any) -> Any:
    """A setting as shown: secrets only as set or not, paths as text."""
    if isinstance(value, SecretStr):
        return "已设置" if value.get_secret_value() else "未设置"
    if isinstance(value, Path):
        return str(value)
    return value


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出（供脚本与监控读取）")] = False) -> None:
    """知识库规模与当前生效的设置。"""
    settings = Settings()
    kb = _open(settings, status=error_console if as_json else console)
    held = kb.stats()
    current = {name: _setting_value(getattr(settings, name)) for name in Settings.model_fields}
    if as_json:
        print(json.dumps({"knowledge_base": held, "settings": current}, ensure_ascii=False, indent=2, default=str))
        return
    table = Table(title="知识库")
    table.add_column("项目")
    table.add_column("数量或取值")
    for key, value in held.items():
        shown = "、".join(f"{name} {count}" for name, count in value.items()) if isinstance(value, dict) else value
        table.add_row(STATS_LABELS.get(key, key), str(shown) if shown != "" else "—")
    console.print(table)
    settings_table = Table(title="当前设置（环境变量 TANLU_* 或 tanlu.toml）")
    settings_table.add_column("环境变量")
    settings_table.add_column("当前值")
    settings_table.add_column("说明")
    for name, field in Settings.model_fields.items():
        value = current[name]
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)
        shown = shown if shown not in ("", "None") else "—"
        settings_table.add_row(f"TANLU_{name.upper()}", shown, field.description or "")
    console.print(settings_table)


tokens_app = _App(
    cls=_Commands, help="试点写入令牌：每个试点一个，只能上传、替换、删除本试点的文档", no_args_is_help=True
)
app.add_typer(tokens_app, name="tokens")


def _token_store():
    from api.pilot_tokens import TokenStore

    return TokenStore(Settings().data_dir)


@tokens_app.command("add")
def tokens_add(
    pilot: Annotated[str, typer.Option("--pilot", help="试点编号（如 park-ningdong-qingquan）")],
    note: Annotated[str, typer.Option(help="备注（如联系人）")] = "",
) -> None:
    """为一个试点新建写入令牌；令牌只显示这一次（只保存其哈希），请交给该试点。"""
    from index.catalog import pilot_ids

    store = _token_store()
    record, token = store.add(pilot.strip(), note.strip())
    store.close()
    console.print(f"已为试点 {record.pilot_id} 新建令牌（编号 {record.token_id}），请妥善交给该试点，此后不再显示：")
    print(token)
    # Allowed (a pilot may get its token before its first upload), but a mistyped id would
    # give a token that writes under a pilot nobody reads: say so, with the ids known.
    known = pilot_ids(Settings().data_dir)
    if record.pilot_id not in known:
        listed = f"已有文档的试点编号：{'、'.join(known)}" if known else "数据目录中还没有任何试点的文档"
        error_console.print(
            f"注意：数据目录中还没有试点 {record.pilot_id} 的文档（编号是否有误？令牌照常有效，该试点上传后即可使用）。"
            f"{listed}（服务运行时也可查看 GET /pilots）",
            style="yellow",
            markup=False,
            highlight=False,
        )


@tokens_app.command("list")
def tokens_list() -> None:
    """列出试点令牌（编号、试点、备注、创建与吊销时间；不显示令牌本身）。"""
    store = _token_store()
    records = store.list()
    store.close()
    if not records:
        console.print("还没有试点令牌（tanlu tokens add --pilot <试点编号> 新建）。")
        return
    table = Table(title="试点令牌")
    for column in ("编号", "试点", "备注", "创建时间", "状态"):
        table.add_column(column)
    for record in records:
        state = "有效" if record.active else f"已吊销（{record.revoked_at}）"
        table.add_row(record.token_id, record.pilot_id, record.note, record.created_at, state)
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[str, typer.Argument(help="令牌编号（tanlu tokens list 查看）")]) -> None:
    """吊销一个试点令牌：立即失效（正在运行的服务也一样）。"""
    store = _token_store()
    record = store.revoke(token_id.strip())
    store.close()
    console.print(f"已吊销试点 {record.pilot_id} 的令牌 {record.token_id}。")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
