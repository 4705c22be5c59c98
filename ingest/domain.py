"""The domain vocabulary of the carbon-peak pilots, declared once.

Every layer (ingest validation, index filters, API parameters, the web page) imports
these names instead of spelling Chinese terms again. The vocabularies come from the
founding plan (宁夏碳达峰试点建设方案); see ../shared/DOMAIN.md.
"""

from __future__ import annotations

import re

PILOT_TYPES: tuple[str, ...] = ("城市", "园区", "乡村", "社区", "公共机构", "企业")

DOC_TYPES: tuple[str, ...] = (
    "实施方案",
    "进展报告",
    "经验总结",
    "典型案例",
    "评估报告",
    "政策文件",
    "通知",
    "编制指南",
)
# The plan: targets, baselines and tasks, never results. The half-yearly report: what a
# pilot states officially about its targets (index/target_status.py).
PLAN_DOC_TYPE = "实施方案"
REPORT_DOC_TYPE = "进展报告"

# A document may belong to the programme rather than to a pilot (the founding plan, a
# notice of the regional DRC, a drafting guide): it has a scope instead of pilot fields.
SCOPES: tuple[str, ...] = ("国家", "自治区", "地市")
POLICY_DOC_TYPES: tuple[str, ...] = ("政策文件", "通知", "编制指南")
# Filters offer the programme's documents beside the pilot types under this name; its
# chunks carry ``programme = 1`` (index/filters.py).
PROGRAMME_FILTER = "政策文件"
FILTER_PILOT_TYPES: tuple[str, ...] = (*PILOT_TYPES, PROGRAMME_FILTER)
# Folder part of a programme document's id: ``policy/<file stem>``.
PROGRAMME_ID = "policy"

# What span of time a figure covers (ingest/period_kinds.py): half-year, full year, a total
# up to a date (累计, also a stock such as installed capacity), a target, a baseline.
PERIOD_KINDS: tuple[str, ...] = ("半年", "全年", "累计", "目标", "基期")

REGIONS: tuple[str, ...] = ("银川市", "石嘴山市", "吴忠市", "固原市", "中卫市", "宁东能源化工基地")

# Place name -> the region (REGIONS) it belongs to, for reading the region off a text
# that names a county or district instead of its city (metadata inference). Full
# official names only (「贺兰县」, not 「贺兰」: 贺兰山 is a mountain, not the county);
# the short city names and 宁东 are the forms documents commonly use.
PLACE_REGIONS: dict[str, str] = {
    **{region: region for region in REGIONS},
    "银川": "银川市",
    "石嘴山": "石嘴山市",
    "吴忠": "吴忠市",
    "固原": "固原市",
    "中卫": "中卫市",
    "宁东": "宁东能源化工基地",
    "兴庆区": "银川市",
    "金凤区": "银川市",
    "西夏区": "银川市",
    "永宁县": "银川市",
    "贺兰县": "银川市",
    "灵武市": "银川市",
    "大武口区": "石嘴山市",
    "惠农区": "石嘴山市",
    "平罗县": "石嘴山市",
    "利通区": "吴忠市",
    "红寺堡区": "吴忠市",
    "青铜峡市": "吴忠市",
    "盐池县": "吴忠市",
    "同心县": "吴忠市",
    "原州区": "固原市",
    "西吉县": "固原市",
    "隆德县": "固原市",
    "泾源县": "固原市",
    "彭阳县": "固原市",
    "沙坡头区": "中卫市",
    "中宁县": "中卫市",
    "海原县": "中卫市",
}

# Field of work -> ASCII code. Chroma metadata cannot hold lists, so each field becomes
# one 0/1 key ``field_<code>`` on every chunk; the code keeps keys ASCII.
FIELD_CODES: dict[str, str] = {
    "能源绿色低碳转型": "energy",
    "产业优化升级": "industry_upgrade",
    "节能降碳增效": "efficiency",
    "工业": "industrial",
    "建筑": "building",
    "交通": "transport",
    "资源循环利用": "circular",
    "生态保护修复与碳汇": "carbon_sink",
    "科技支撑": "technology",
    "政策机制": "policy",
    "全民行动": "public_action",
    "绿色低碳农业": "agriculture",
}
FIELDS: tuple[str, ...] = tuple(FIELD_CODES)

# The metadata keys (front matter, sidecars, the upload form) by their Chinese names:
# messages name a field as ``pilot_type（试点类型）``, which the author of front matter
# and the user of the upload form both recognise.
METADATA_LABELS: dict[str, str] = {
    "title": "标题",
    "pilot": "试点名称",
    "pilot_id": "试点编号",
    "pilot_type": "试点类型",
    "region": "所在地区",
    "doc_type": "文档类型",
    "period": "半年度",
    "date": "日期",
    "fields": "领域",
    "demo": "演示数据",
    "scope": "范围",
}


def shown_field(key: str) -> str:
    """A metadata key as messages name it: with its Chinese name when it has one."""
    label = METADATA_LABELS.get(key)
    return f"{key}（{label}）" if label else key


_PERIOD = re.compile(r"^(?P<year>\d{4})H(?P<half>[12])$")

# One rule for a pilot id wherever it comes from (front matter, sidecar, folder, upload
# form, a pilot's write token): it is the first part of every document id (a URL path)
# and the name of the pilot's uploads folder, so it must never name another folder.
MAX_PILOT_ID_CHARS = 64
_PILOT_ID_REFUSED = set("/\\?#%&<>:\"|*'`")
PILOT_ID_RULE = (
    f"不能包含空白、控制字符、“..”或 / \\ ? # % & < > : \" | * ' `，不能以 . _ - 开头，最多 {MAX_PILOT_ID_CHARS} 个字符"
)


def field_key(field: str) -> str:
    """Metadata key under which a chunk records that it belongs to ``field`` (the one
    string per field: every chunk's metadata holds these keys, 100k times in a large ingest)."""
    return _FIELD_KEYS[field]


_FIELD_KEYS = {field: f"field_{code}" for field, code in FIELD_CODES.items()}


def parse_period(period: str) -> tuple[int, int] | None:
    """``'2025H1'`` -> ``(2025, 1)``; anything else -> None."""
    match = _PERIOD.match(period.strip())
    if not match:
        return None
    return int(match["year"]), int(match["half"])


def _refused_char(char: str) -> bool:
    return char in _PILOT_ID_REFUSED or char.isspace() or not char.isprintable()


def pilot_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be a pilot id (Chinese), or None when it can."""
    if (
        not value
        or len(value) > MAX_PILOT_ID_CHARS
        or value[0] in "._-"
        or ".." in value
        or any(_refused_char(char) for char in value)
    ):
        return PILOT_ID_RULE
    return None


def pilot_id_from_name(pilot: str) -> str:
    """A pilot id made from a pilot's name when nothing declares one: the name without
    spaces, every other character the rule refuses turned into ``-`` (empty when
    nothing is left)."""
    cleaned = "".join("" if char.isspace() else "-" if _refused_char(char) else char for char in pilot.strip())
    cleaned = re.sub(r"\.{2,}", ".", cleaned).lstrip("._-")
    return cleaned[:MAX_PILOT_ID_CHARS]
