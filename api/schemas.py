"""Response models of the HTTP API (they also document it at /docs)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.compile.checks import DEFAULT_TITLE
from index.config import ANSWER_TOP_K


class DocumentInfo(BaseModel):
    doc_id: str
    title: str
    pilot: str
    pilot_id: str
    pilot_type: str
    region: str
    doc_type: str
    period: str = ""
    date: str = ""
    year: int = 0
    fields: list[str] = []
    demo: bool = False
    inferred: list[str] = Field(default_factory=list, description="推断而非文件声明的元数据字段")

    @classmethod
    def from_meta(cls, doc_id: str, meta: dict[str, Any]) -> DocumentInfo:
        names = cls.model_fields  # once: each access costs ~1 µs
        return cls(doc_id=doc_id, **{key: value for key, value in meta.items() if key in names})


class SearchHit(DocumentInfo):
    rank: int
    chunk_id: str
    score: float = Field(description="融合后的相关度（0–1，越大越相关）")
    bm25_score: float | None = None
    dense_score: float | None = Field(None, description="与查询的余弦相似度")
    heading_path: str = Field(description="章节路径，如 二、主要做法 > （一）余热利用")
    page: int | None = Field(None, description="起始页码（仅 PDF、OFD 等分页格式）")
    page_end: int | None = Field(None, description="结束页码（仅分页格式）")
    text: str
    highlighted: str = Field(description="HTML 转义后的原文，命中词以 <mark> 标出")
    highlighted_heading: str = Field("", description="HTML 转义后的章节路径，命中词以 <mark> 标出")
    matched_terms: list[str] = Field(description="原文或章节路径中出现的检索词")


class CorrectionOut(BaseModel):
    typed: str = Field(description="问题中的写法")
    meant: str = Field(description="按此理解（知识库中读音相同的词）")


class SearchResponse(BaseModel):
    query: str
    filters: dict[str, Any]
    mode: str
    total: int
    took_ms: float
    results: list[SearchHit]
    corrections: list[CorrectionOut] = Field(default_factory=list, description="按读音更正的错别字")


class SectionOut(BaseModel):
    anchor: str = Field(description="章节锚点，文档页面用它定位")
    heading_path: list[str]
    text: str
    page: int | None = Field(None, description="章节起始页码（仅分页格式）")


class DocumentDetail(DocumentInfo):
    source: str
    uploaded: bool = Field(
        False, description="经上传接口（或网页「上传」）存入：元数据在上传表单中填写，而不是在旁注文件中"
    )
    char_count: int
    chunk_count: int
    ingested_at: str
    sections: list[SectionOut]


class PilotInfo(BaseModel):
    pilot_id: str
    pilot: str
    pilot_type: str
    region: str
    demo: bool
    document_count: int
    doc_types: dict[str, int]
    fields: list[str]
    inferred: list[str] = Field(
        default_factory=list, description="由文本推断、未经声明的字段（pilot、pilot_type、region）"
    )


class PilotDetail(PilotInfo):
    documents: list[DocumentInfo]


class Health(BaseModel):
    status: str
    documents: int
    chunks: int
    embedder: str


class ErrorBody(BaseModel):
    detail: str
    parameter: str | None = None


class FigureOut(BaseModel):
    name: str
    value: float
    unit: str
    text: str
    period: str = ""
    year: int = 0
    normalized_value: float | None = None
    normalized_unit: str = ""
    period_kind: str = Field("", description="时期类型：半年、全年、累计、目标或基期")
    sentence: str


class SourceOut(BaseModel):
    doc_id: str
    title: str
    doc_type: str
    period: str = ""
    date: str = ""
    heading_path: str
    anchor: str = Field(description="文档中该章节的锚点（见 GET /documents/{id}）")
    page: int | None = Field(None, description="该章节的起始页码（仅分页格式）")


class PracticeOut(BaseModel):
    practice_id: str
    title: str
    description: str
    pilot: str
    pilot_id: str
    pilot_type: str
    region: str
    fields: list[str]
    figures: list[FigureOut]
    sources: list[SourceOut]
    demo: bool
    score: float | None = Field(None, description="按查询排序时的相关度")
    field: str = Field("", description="按做法自身内容判定的领域（汇编按此分组）")
    value_score: int = Field(0, description="可复制性评分（0-100）")
    value_reasons: list[str] = Field(default_factory=list, description="评分理由")
    routine: bool = Field(False, description="例行管理事项：汇编默认不收录")


class SeriesPointOut(BaseModel):
    period: str
    value: float
    unit: str
    normalized_value: float | None = None
    normalized_unit: str = ""
    doc_id: str
    sentence: str
    label: str = Field("", description="图表上的时期标签：2025H1、2024年、截至2025年6月底")
    written: str = Field("", description="报告中的原始写法（单位与序列不同时可对照）")


class IndicatorSeries(BaseModel):
    name: str
    period_kind: str = Field("", description="时期类型：半年、全年、累计、目标或基期；同一序列不混用")
    unit: str
    points: list[SeriesPointOut]


class FigureCheckItem(BaseModel):
    kind: str = Field(description="跳变、单位冲突、名称相近、时期冲突或时期超出")
    pilot_id: str
    pilot: str
    indicator: str
    detail: str
    doc_ids: list[str]
    explanation: str = Field("", description="为何无碍：原文所说，或语料目录 _figure_notes.yaml 中的说明")
    explained: bool


class FigureCheckOut(BaseModel):
    series: int = Field(description="检查的指标序列数")
    figures: int = Field(description="进展报告中的指标数")
    unexplained: int = Field(description="未解释的条目数；为 0 时指标可以放心引用")
    items: list[FigureCheckItem]


class PilotPage(PilotDetail):
    documents_by_period: dict[str, list[DocumentInfo]]
    indicators: list[IndicatorSeries]
    practices: list[PracticeOut]


class PracticeMatchOut(BaseModel):
    similarity: float
    practice_id: str
    practice_title: str
    other_practice_id: str
    other_practice_title: str
    doc_ids: list[str]


class SimilarPilotOut(BaseModel):
    pilot_id: str
    pilot: str
    pilot_type: str
    region: str
    score: float
    reasons: list[str]
    shared_fields: list[str]
    practice_matches: list[PracticeMatchOut]


class SimilarRequest(BaseModel):
    profile: str = Field(
        min_length=1, max_length=1000, description="试点情况描述，如“煤化工为主的省级园区，余热资源丰富”"
    )
    limit: int = Field(5, ge=1, le=15)


class CompileBody(BaseModel):
    pilot_types: list[str] = Field(default_factory=list, description="试点类型，空为全部")
    fields: list[str] = Field(default_factory=list, description="领域，空为全部")
    periods: list[str] = Field(default_factory=list, description="时期，如 2025H1 或 2025，空为全部")
    title: str = Field(DEFAULT_TITLE, max_length=100)
    issuer: str | None = Field(None, max_length=60, description="编印单位，空则用设置 TANLU_COMPILE_ISSUER")
    date: dt.date | None = Field(None, description="封面日期（如 2026-07-01），空为今天")
    include_routine: bool = Field(False, description="收录例行管理事项（加强组织领导、资金保障等），默认不收录")
    practice_ids: list[str] = Field(
        default_factory=list, max_length=2000, description="只收录这些做法（编号见 /practices 或 /compile/selection）"
    )
    exclude_ids: list[str] = Field(default_factory=list, max_length=2000, description="不收录这些做法")
    field_order: list[str] = Field(default_factory=list, description="领域分组的顺序，未列出的领域按默认顺序排在后面")
    format: str = Field("docx", pattern="^(docx|pdf|markdown)$", description="docx、pdf 或 markdown")


class SelectionItemOut(BaseModel):
    practice_id: str
    title: str
    pilot: str
    pilot_id: str
    pilot_type: str
    field: str = Field(description="按做法自身内容判定的领域（汇编按此分组）")
    supported_fields: list[str] = Field(description="做法文字也涉及的领域")
    score: int = Field(description="可复制性评分（0-100）")
    reasons: list[str] = Field(description="评分理由")
    routine: bool = Field(description="例行管理事项：默认不收录")
    effects: int = Field(description="成效数据项数（去重后）")
    sources: int = Field(description="来源数")


class SelectionOut(BaseModel):
    fields: list[str] = Field(description="分组顺序（领域）")
    items: list[SelectionItemOut]
    limit: int = Field(description="单份汇编最多收录的做法数")


class PreviewOut(BaseModel):
    pages: int = Field(description="PDF 页数")
    images: list[str] = Field(description="页面图像（data:image/png;base64,…），最多前 60 页")
    note: str = Field("", description="说明（如目录页码）")


class CitationOut(BaseModel):
    n: int
    chunk_id: str
    doc_id: str
    title: str
    pilot: str
    pilot_type: str
    heading_path: str
    anchor: str
    chunk_text: str
    page: int | None = Field(None, description="起始页码（仅分页格式）")
    page_end: int | None = None
    inferred: list[str] = Field(default_factory=list, description="推断而非文件声明的元数据字段")


class AnswerSentenceOut(BaseModel):
    text: str
    citations: list[int]


class PracticeAnswerOut(BaseModel):
    practice_id: str
    title: str = Field(description="做法标题（出自原文的章节标题）")
    pilot: str
    pilot_id: str
    pilot_type: str
    method: list[AnswerSentenceOut] = Field(description="做法：说明做了什么的原文句子")
    effect: list[AnswerSentenceOut] = Field(description="成效：说明取得什么效果的原文句子（可能为空）")


class FigureRowOut(BaseModel):
    pilot: str
    pilot_id: str
    pilot_type: str
    name: str = Field(description="原文中的指标名称")
    value: float
    unit: str
    period: str = Field(description="时期，如 2025H1（半年度）或 2025（年度、截至某月）")
    period_kind: str = Field("", description="时期类型：半年、全年、累计、目标或基期（抽取时能判断时）")
    sentence: str = Field(description="数值所在的原文句子或指标表行")
    citation: int = Field(description="引用编号，对应 citations")


class FigureTableOut(BaseModel):
    indicator: str
    descending: bool
    comparable: bool = Field(description="各行单位和时期一致、可以直接比较时为 true")
    caveat: str = Field("", description="不能直接比较的原因")
    rows: list[FigureRowOut]


class AnswerGroup(BaseModel):
    pilot: str
    sentences: list[AnswerSentenceOut]


class AskRequest(BaseModel):
    question: str = Field(max_length=500, description="问题")
    pilot_type: str | None = None
    region: str | None = None
    doc_type: str | None = None
    field: str | None = None
    year: str | None = None
    top_k: int = Field(ANSWER_TOP_K, ge=1, le=30, description="检索的分块数")
    use_llm: bool = Field(True, description="已配置大模型时是否使用")


class TargetPracticeOut(BaseModel):
    title: str
    sentence: AnswerSentenceOut


class TargetAnswerOut(BaseModel):
    pilot: str
    pilot_id: str
    pilot_type: str
    target_id: str
    indicator: str
    year: int
    status: str = Field(description="已完成 / 按进度 / 滞后 / 无数据")
    reason: str
    target: AnswerSentenceOut = Field(description="实施方案中的目标原句（带引用）")
    latest: AnswerSentenceOut | None = Field(None, description="最新一期报告原句（带引用）")
    practices: list[TargetPracticeOut] = Field(default_factory=list, description="试点归功于该目标的做法")


class TargetTallyOut(BaseModel):
    pilot: str
    pilot_id: str
    pilot_type: str
    year: int
    met: int = Field(description="按规则判定：该年目标在当年年底前已达到的项数")
    total: int = Field(description="实施方案中该年的量化目标项数（按抽取结果）")
    unmet: list[str] = Field(default_factory=list, description="按规则判定当年未达到的指标")
    statement: AnswerSentenceOut | None = Field(None, description="试点年末报告自述的目标完成情况原句（带引用）")


class AskResponse(BaseModel):
    question: str
    kind: str
    plan: str = Field(
        "fact",
        description="回答方式：practice（按试点列出做法与成效）、fact（摘句）、compare（跨试点对比表）、status（目标进度）",
    )
    found: bool
    answer: str = Field(description="带引用标号的完整回答文本")
    groups: list[AnswerGroup]
    citations: list[CitationOut]
    related: list[CitationOut] = Field(description="证据不足时提供的可能相关材料")
    note: str
    generated: bool
    practices: list[PracticeAnswerOut] = Field(default_factory=list, description="plan 为 practice 时：各试点的做法")
    table: FigureTableOut | None = Field(None, description="plan 为 compare 时：跨试点的指标对比表")
    targets: list[TargetAnswerOut] = Field(
        default_factory=list, description="plan 为 status 时：目标、状态与依据、目标与报告原句、归功的做法"
    )
    tallies: list[TargetTallyOut] = Field(
        default_factory=list,
        description="plan 为 status 且问题未指明指标时：各试点该年目标的完成项数（规则判定）与报告自述原句",
    )
    corrections: list[CorrectionOut] = Field(default_factory=list, description="按读音更正的错别字")
    missing: list[str] = Field(default_factory=list, description="拒答时：材料中没有提到的问题用语")


class JobFileOut(BaseModel):
    path: str = Field(description="文件路径：上传的文件为保存后的文件名，语料目录中的文件为相对路径")
    status: str = Field(description="ok（已入库）、error（被拒绝，见 message 与 field_name）或 skipped（跳过）")
    message: str = ""
    field_name: str = Field("", description="出错的元数据字段")
    doc_id: str = ""
    chunks: int = 0


class JobOut(BaseModel):
    job_id: str
    kind: str = Field(description="upload（上传）、ingest（重新扫描）或 delete（删除）")
    description: str
    state: str = Field(description="queued（排队）、running（进行中）、done（完成）或 failed（失败）")
    stage: str = Field(description="当前阶段，如 读取文件、切分与抽取、计算向量、写入向量库、重建BM25索引")
    done: int = Field(description="当前阶段已完成的数量")
    total: int = Field(description="当前阶段的总数（0 表示未知）")
    created_at: str
    started_at: str = ""
    finished_at: str = ""
    files: list[JobFileOut] = Field(description="逐文件结果（任务结束后给出）")
    summary: dict[str, float | int] = Field(description="汇总：新增、更新、未变、删除的文档数，分块与向量数等")
    message: str = ""
    error: str = Field("", description="失败原因（中文）")


class AcceptedFileOut(BaseModel):
    filename: str = Field(description="客户端给出的文件名")
    saved_as: str = Field(description="服务端保存的文件名（扩展名由内容判定）")
    format: str = Field(description="按内容判定的格式，如 .md、.pdf、.docx")
    bytes: int
    replaces: bool = Field(description="是否替换同名的已上传文件（即更新该文档）")


class RefusedFileOut(BaseModel):
    filename: str = Field(description="客户端给出的文件名")
    status: int = Field(description="单独上传该文件时会得到的 HTTP 状态码（413 过大、415 无法识别、422 为空或重名）")
    detail: str = Field(description="拒收原因（中文）")


class JobAccepted(BaseModel):
    job_id: str
    kind: str
    state: str
    status_url: str = Field(description="查询任务进度的地址（GET）")
    files: list[AcceptedFileOut] = Field(default_factory=list)
    refused: list[RefusedFileOut] = Field(default_factory=list, description="收到但拒收的文件（其余文件照常导入）")
    doc_id: str = ""


# -- MCP tool results (api/mcp_server.py) ---------------------------------------------------
class PassageOut(BaseModel):
    """A retrieved passage with everything needed to cite it."""

    text: str
    score: float = Field(description="相关度（0–1）")
    pilot: str
    pilot_id: str
    pilot_type: str
    region: str
    title: str = Field(description="文档标题")
    doc_type: str
    period: str = ""
    date: str = ""
    heading_path: str = Field(description="章节路径")
    page: int | None = Field(None, description="起始页码（仅分页格式）")
    doc_id: str
    url: str = Field(description="在碳路页面中打开该章节的链接")
    inferred: list[str] = Field(default_factory=list, description="推断而非文件声明的元数据字段")


class PassageList(BaseModel):
    query: str
    filters: dict[str, Any]
    passages: list[PassageOut]


class PracticeList(BaseModel):
    query: str
    filters: dict[str, Any]
    practices: list[PracticeOut]


class CompiledMarkdown(BaseModel):
    title: str
    practice_count: int = Field(description="汇编收入的经验做法条数")
    reference_count: int = Field(description="编号来源条数")
    markdown: str = Field(description="汇编全文（Markdown），每条做法带编号的来源")


class WriterOut(BaseModel):
    """Who a write token belongs to (GET /writer)."""

    role: Literal["admin", "pilot"] = Field(description="admin：发改委（全部文档）；pilot：某个试点（只限本试点）")
    pilot_id: str = Field("", description="试点编号（试点令牌）")
    pilot: str = Field("", description="试点名称（知识库中已有该试点的文档时）")
    pilot_type: str = Field("", description="试点类型")
    region: str = Field("", description="所在地区")
    fixed: list[str] = Field(
        default_factory=list,
        description="试点令牌不能更改的字段（该试点已有文档声明的 pilot、pilot_type、region；推断出的可以更正）",
    )
