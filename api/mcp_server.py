"""TanLu as an MCP server: the tools an MCP-capable assistant calls to cite the pilots.

Five tools, each a thin call to the same knowledge base and presenters as the HTTP API
(so answers and citations read alike everywhere): ``search``, ``ask``, ``practices``,
``pilot`` and ``compile_markdown``. Descriptions are Chinese: the assistant shows them to
officials and picks tools by them. Every result carries its sources (pilot, document,
section, page) and a link that opens the section on TanLu's page.

Two transports share one server definition (``mcp`` package, major version 2):
``tanlu mcp`` speaks stdio (stdout is the wire, so nothing else may print there), and
``create_app`` mounts streamable HTTP at ``/mcp`` (api/mcp_http.py).

No ``from __future__ import annotations`` here: the SDK reads the tools' type hints at
registration to build their JSON schemas.
"""

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

from llama_index.core.llms import LLM
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from api import messages
from api.compile import compile_outline, compile_request, write_markdown
from api.compile.checks import DEFAULT_TITLE
from api.presenters import ask_response, passage_out, pilot_page, practice_out, section_pages
from api.schemas import AskResponse, CompiledMarkdown, PassageList, PilotPage, PracticeList
from index import KnowledgeBase, SearchFilters
from index.config import ANSWER_TOP_K
from ingest.domain import DOC_TYPES, FIELDS, PILOT_TYPES
from ingest.errors import InputError, TanluError

T = TypeVar("T")

INSTRUCTIONS = (
    "碳路（TanLu）是宁夏碳达峰试点知识库：16 个试点（城市、园区、乡村、社区、公共机构、企业）的实施方案、"
    "半年度进展报告和经验总结。回答时请引用工具结果中的试点、文档和章节，并附上链接；"
    "知识库中没有的内容请如实说明，不要编造数据。"
)

PilotType = Annotated[str | None, Field(description=f"试点类型：{'、'.join(PILOT_TYPES)}")]
Region = Annotated[str | None, Field(description="所在地区，如 银川市、石嘴山市、宁东能源化工基地")]
DocType = Annotated[str | None, Field(description=f"文档类型：{'、'.join(DOC_TYPES)}")]
WorkField = Annotated[str | None, Field(description=f"领域：{'、'.join(FIELDS)}")]
Year = Annotated[str | None, Field(description="年份（如 2025）或半年度（如 2025H1）")]
PilotTypes = Annotated[tuple[str, ...], Field(description=f"试点类型，空为全部：{'、'.join(PILOT_TYPES)}")]
WorkFields = Annotated[tuple[str, ...], Field(description=f"领域，空为全部：{'、'.join(FIELDS)}")]
Periods = Annotated[tuple[str, ...], Field(description="时期，如 2025H1 或 2025，空为全部")]


def _tool(server: MCPServer, title: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Register a tool whose TanluError reaches the client as its Chinese message.

    The SDK hides the text of any other exception (it may hold internals) and sends
    "Error executing tool …"; a TanluError is meant for the user, so it becomes a ToolError.
    """

    def register(function: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(function)
        def with_user_errors(*args: Any, **kwargs: Any) -> T:
            try:
                return function(*args, **kwargs)
            except TanluError as error:
                raise ToolError(error.message) from error

        return server.tool(title=title)(with_user_errors)

    return register


@contextmanager
def _root_logging_left_alone() -> Iterator[None]:
    """The SDK calls ``logging.basicConfig`` when a server is built, which would give the
    whole process a root handler (and INFO level) as a side effect of ``create_app``;
    with a handler present basicConfig does nothing, so one is there for the moment."""
    root = logging.getLogger()
    placeholder = logging.NullHandler()
    root.addHandler(placeholder)
    try:
        yield
    finally:
        root.removeHandler(placeholder)


def _applied(filters: SearchFilters) -> dict[str, Any]:
    return {key: value for key, value in asdict(filters).items() if value is not None}


def build_mcp_server(
    knowledge_base: Callable[[], KnowledgeBase], llm: Callable[[], LLM | None], base_url: str
) -> MCPServer:
    """The server over a knowledge base (looked up per call: the HTTP app opens it at start-up)."""
    with _root_logging_left_alone():
        server = MCPServer("tanlu", title="碳路 TanLu", instructions=INSTRUCTIONS, version="0.1.0")

    @_tool(server, "检索原文")
    def search(
        query: Annotated[str, Field(description="检索问题或关键词，如“余热利用”")],
        pilot_type: PilotType = None,
        region: Region = None,
        doc_type: DocType = None,
        field: WorkField = None,
        year: Year = None,
        top_k: Annotated[int, Field(ge=1, le=20, description="返回条数")] = 5,
    ) -> PassageList:
        """检索试点的实施方案、进展报告和经验总结（BM25 与向量混合检索，过滤条件在融合前生效）。

        返回原文段落及其出处：试点、文档、章节、页码和打开该章节的链接。
        """
        if not query.strip():
            raise InputError(messages.EMPTY_QUERY, parameter="query")
        kb = knowledge_base()
        filters = SearchFilters.parse(pilot_type=pilot_type, region=region, doc_type=doc_type, field=field, year=year)
        hits = kb.search(query.strip(), filters, top_k)
        passages = [passage_out(hit, kb.relevance(hit), base_url) for hit in hits]
        return PassageList(query=query.strip(), filters=_applied(filters), passages=passages)

    @_tool(server, "问答")
    def ask(
        question: Annotated[str, Field(description="问题，如“其他园区是怎么利用余热的？”")],
        pilot_type: PilotType = None,
        region: Region = None,
        doc_type: DocType = None,
        field: WorkField = None,
        year: Year = None,
    ) -> AskResponse:
        """回答关于试点的问题：答案由知识库原文句子组成，每句带 [n] 引用（试点、文档、章节）。

        证据不足时明确说明“没有找到”，并列出可能相关的材料。
        """
        if not question.strip():
            raise InputError(messages.EMPTY_QUESTION, parameter="question")
        kb = knowledge_base()
        filters = SearchFilters.parse(pilot_type=pilot_type, region=region, doc_type=doc_type, field=field, year=year)
        answer, generated = kb.answer(question.strip(), filters, ANSWER_TOP_K, llm())
        return ask_response(answer, generated, kb.chunk)

    @_tool(server, "经验做法")
    def practices(
        query: Annotated[str, Field(description="检索词，如“余热”；为空时按试点列出")] = "",
        pilot_type: PilotType = None,
        region: Region = None,
        field: WorkField = None,
        pilot_id: Annotated[str | None, Field(description="试点编号，如 park-ningdong-qingquan")] = None,
        limit: Annotated[int, Field(ge=1, le=50, description="最多条数")] = 10,
    ) -> PracticeList:
        """可复制、可推广的经验做法：标题、描述、成效数据，以及它在方案、报告、总结中的全部出处。"""
        kb = knowledge_base()
        filters = SearchFilters.parse(pilot_type=pilot_type, region=region, field=field, pilot_id=pilot_id)
        page_of = section_pages(kb)
        found = [
            practice_out(practice, score if query.strip() else None, page_of)
            for practice, score in kb.practices(query.strip(), filters, limit)
        ]
        return PracticeList(query=query.strip(), filters=_applied(filters), practices=found)

    @_tool(server, "试点")
    def pilot(
        pilot_id: Annotated[str, Field(description="试点编号，如 park-ningdong-qingquan（见其他结果的 pilot_id）")],
    ) -> PilotPage:
        """一个试点的概况：类型、地区、按时期排列的文档、经验做法，
        以及半年度报告中的指标（数值、单位、时期、原句）。
        """
        kb = knowledge_base()
        found = kb.pilot(pilot_id.strip())
        if found is None:
            raise InputError(messages.PILOT_NOT_FOUND.format(pilot_id=pilot_id), parameter="pilot_id")
        return pilot_page(kb, found)

    @_tool(server, "经验汇编")
    def compile_markdown(
        pilot_types: PilotTypes = (),
        fields: WorkFields = (),
        periods: Periods = (),
        title: Annotated[str, Field(max_length=100, description="汇编标题")] = DEFAULT_TITLE,
    ) -> CompiledMarkdown:
        """把所选试点类型、领域、时期的经验做法汇编成 Markdown：按类型和领域分组，每条做法带编号的来源清单。"""
        kb = knowledge_base()
        request = compile_request(pilot_types=pilot_types, fields=fields, periods=periods, title=title)
        outline = compile_outline(kb, request)
        return CompiledMarkdown(
            title=title,
            practice_count=len(outline.practices),
            reference_count=len(outline.references),
            markdown=write_markdown(outline),
        )

    return server
