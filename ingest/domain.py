"""The domain vocabulary of the carbon-peak pilots, declared once.

Every layer (ingest validation, index filters, API parameters, the web page) imports
these names instead of spelling Chinese terms again. The vocabularies come from the
founding plan (宁夏碳达峰试点建设方案); see ../shared/DOMAIN.md.
"""

from __future__ import annotations

import re

PILOT_TYPES: tuple[str, ...] = ("城市", "园区", "乡村", "社区", "公共机构", "企业")

DOC_TYPES: tuple[str, ...] = ("实施方案", "进展报告", "经验总结", "典型案例", "评估报告", "政策文件")

REGIONS: tuple[str, ...] = ("银川市", "石嘴山市", "吴忠市", "固原市", "中卫市", "宁东能源化工基地")

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

_PERIOD = re.compile(r"^(?P<year>\d{4})H(?P<half>[12])$")


def field_key(field: str) -> str:
    """Metadata key under which a chunk records that it belongs to ``field``."""
    return f"field_{FIELD_CODES[field]}"


def parse_period(period: str) -> tuple[int, int] | None:
    """``'2025H1'`` -> ``(2025, 1)``; anything else -> None."""
    match = _PERIOD.match(period.strip())
    if not match:
        return None
    return int(match["year"]), int(match["half"])
