"""Guess a document's metadata from its own words, for files that declare none.

Pure functions over strings (no I/O): ``ingest.metadata_sources`` calls them only for
the fields that no front matter, sidecar or folder declared, and lists every field it
took from here in ``DocumentMeta.inferred`` so that every view marks it 「推断」.

Each guess is an :class:`Inference` carrying its evidence (in Chinese, for messages)
and a confidence. A function returns None rather than a weak guess: a wrong pilot type
silently files a document under the wrong filter, while a refusal tells the user to
write a sidecar. The rules, in the order they are tried:

- **title** — the title the file carries, else its first short line (not numbered,
  not a sentence), else the file name.
- **pilot** — the part of the title before 「碳达峰」/「试点」/a year/a document-kind word
  (「贺兰山示范园区碳达峰试点实施方案」 → 「贺兰山示范园区」); else the parent folder or the
  file name; in every case only a name that ends like a pilot's (…园区, …村, …有限公司,
  …区; see :data:`NAME_ENDINGS`), so that 「工作进展报告」 never yields the pilot 「工作」.
- **pilot_type** — the ending of the pilot's name (…村 → 乡村, …社区 → 社区, …有限公司 → 企业,
  …市/区/县 → 城市, longest ending first so …园区 is not read as …区); else cue words
  counted in the title (×5), the file name (×3) and the first ~2000 characters (×1,
  at most 5 per word), after removing phrases that name a kind without being one
  (「乡村振兴」 and 「城乡」 in a city plan, 「宁东能源化工基地」 the place). The best
  type must score at least 6 and twice the runner-up.
- **region** — place names (the five cities, 宁东, and every county and district of
  Ningxia, mapped to its city by ``ingest.domain.PLACE_REGIONS``) in the pilot's
  name, the title, the file name and the opening text, with the same weighting; one
  mention in the title or file name suffices, the opening text needs two.
- **doc_type** — a title ending in 通知/意见/办法… is a 政策文件; else the most specific
  kind word in the title or file name (评估 > 案例 > 经验 > 进展 > 方案).
- **period** — 「2025年上半年」 → 2025H1, 「2024年下半年」 → 2024H2, and for progress and
  evaluation reports 「2024年度」/「2024年全年」 → 2024H2 (the half-year that closes the
  year); from the title or file name (``report-2025H1``), and for reports also from
  the opening text. **date** — a date ending a line without punctuation (the 落款 of
  an official document, 「2025年6月30日」 or 「二〇二五年六月三十日」, possibly after the
  signer's name) near the end or the start, or in the title.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from ingest.domain import PLACE_REGIONS

# How much of the text beyond the title is read, and how much of the end (for a 落款 date).
HEAD_CHARS = 2000
TAIL_CHARS = 300

TITLE_WEIGHT = 5
FILE_WEIGHT = 3
TEXT_WEIGHT = 1
MAX_TEXT_COUNT = 5
MIN_SCORE = 6
MIN_MARGIN = 2.0


@dataclass(frozen=True)
class Inference:
    """A value guessed from the text, why, and how sure (0–1)."""

    value: str
    evidence: str
    confidence: float


@dataclass(frozen=True)
class TextClues:
    """What inference reads: the title, the file name (stem), the opening text and
    the last lines, and the pilot's name when it is already known."""

    title: str
    file_name: str
    head: str
    tail: str = ""
    pilot: str = ""


# --- pilot names and pilot types -------------------------------------------------

# Endings of a pilot's name -> pilot type; None marks an ending that says nothing
# (示范区 may be a park or a county). The longest matching ending decides.
NAME_ENDINGS: dict[str, str | None] = {
    "村": "乡村",
    "乡": "乡村",
    "镇": "乡村",
    "社区": "社区",
    "街道": "社区",
    "小区": "社区",
    "园区": "园区",
    "开发区": "园区",
    "工业园": "园区",
    "产业园": "园区",
    "科技园": "园区",
    "高新区": "园区",
    "经开区": "园区",
    "基地": "园区",
    "学校": "公共机构",
    "学院": "公共机构",
    "大学": "公共机构",
    "中学": "公共机构",
    "小学": "公共机构",
    "幼儿园": "公共机构",
    "医院": "公共机构",
    "卫生院": "公共机构",
    "机关": "公共机构",
    "局": "公共机构",
    "图书馆": "公共机构",
    "体育馆": "公共机构",
    "博物馆": "公共机构",
    "场馆": "公共机构",
    "公司": "企业",
    "集团": "企业",
    "厂": "企业",
    "企业": "企业",
    "煤矿": "企业",
    "市": "城市",
    "区": "城市",
    "县": "城市",
    "旗": "城市",
    "示范区": None,
    "自治区": None,
}
_ENDINGS_LONGEST_FIRST = sorted(NAME_ENDINGS, key=len, reverse=True)

# Names that a title may start with but that are not a pilot (the region as a whole).
NOT_PILOT_NAMES = frozenset({"宁夏", "宁夏回族自治区", "自治区", "全区", "我区", "全市", "我市", "本市", "各地"})

# Where a pilot's name ends inside a title.
_NAME_END = re.compile(
    r"碳达峰|碳中和|试点|[0-9〇零一二三四五六七八九]{4}\s*年|实施方案|工作方案|建设方案|方案|进展|经验|典型|案例|评估|总结|报告|情况|关于"
)

TYPE_CUES: dict[str, tuple[tuple[str, int], ...]] = {
    "城市": (
        ("全市", 2),
        ("市委", 2),
        ("市政府", 2),
        ("市人民政府", 2),
        ("城市", 1),
        ("城区", 1),
        ("全县", 2),
        ("县委", 2),
    ),
    "园区": (("园区", 2), ("开发区", 2), ("工业园", 2), ("产业园", 2), ("入园", 2), ("管委会", 1), ("基地", 1)),
    "社区": (("社区", 2), ("街道", 1), ("小区", 2), ("居民", 1), ("物业", 1)),
    "乡村": (("村民", 2), ("村集体", 2), ("村委会", 2), ("全村", 2), ("农户", 1), ("村", 1)),
    "公共机构": (
        ("公共机构", 2),
        ("学校", 2),
        ("医院", 2),
        ("机关", 2),
        ("大学", 2),
        ("事务管理局", 2),
        ("师生", 2),
        ("校园", 2),
        ("病房", 1),
        ("场馆", 1),
    ),
    "企业": (("公司", 2), ("集团", 2), ("企业", 1), ("电厂", 2), ("厂区", 2), ("车间", 2), ("生产线", 1)),
}

# Phrases that name a kind of place without the document being about one: removed
# before counting cue words.
NEUTRAL_PHRASES = (
    "宁东能源化工基地",
    "宁东基地",
    "乡村振兴",
    "乡村建设",
    "城乡",
    "新农村",
    "乡镇",
    "村镇",
    "宁夏回族自治区",
)


def _neutral(text: str) -> str:
    for phrase in NEUTRAL_PHRASES:
        text = text.replace(phrase, "　")
    return text


def _clean_title(title: str) -> str:
    text = re.sub(r"\s+", "", title)
    text = re.sub(r"^关于(?:印发|公布|报送|做好)?", "", text)
    return text.strip("《》<>〈〉“”\"'（）()")


def type_of_name(name: str) -> tuple[str, str] | None:
    """(pilot type, the ending that says so) for a pilot's name, or None."""
    for ending in _ENDINGS_LONGEST_FIRST:
        if name.endswith(ending) and len(name) > len(ending):
            kind = NAME_ENDINGS[ending]
            return None if kind is None else (kind, ending)
    return None


def looks_like_pilot_name(name: str) -> bool:
    """A short Chinese name ending like a pilot (…园区, …村, …有限公司, …区)."""
    name = name.strip()
    return (
        2 <= len(name) <= 30
        and name not in NOT_PILOT_NAMES
        and re.search(r"[\u4e00-\u9fff]", name) is not None
        and re.fullmatch(r"[\u4e00-\u9fff0-9A-Za-z（）()·]+", name) is not None
        and type_of_name(name) is not None
    )


def pilot_name_from_title(title: str) -> str:
    """The pilot's name at the start of a title, or ``""``.

    The name is what precedes 「碳达峰」, 「试点」, a year or a document-kind word, and it
    must end like a pilot's name (「工作进展报告」 names no pilot: 「工作」 is not one).
    """
    text = _clean_title(title)
    match = _NAME_END.search(text)
    if match is None:
        return text if looks_like_pilot_name(text) else ""
    name = text[: match.start()].rstrip("的之、，,：:（(")
    return name if looks_like_pilot_name(name) else ""


def infer_pilot(title: str, folder_name: str, file_name: str) -> Inference | None:
    """The pilot's name: from the title, else the parent folder's or the file's name
    when it ends like a pilot's name."""
    name = pilot_name_from_title(title)
    if name:
        return Inference(name, f"标题「{title}」开头的试点名称", 0.8)
    for candidate, where in ((folder_name, "所在文件夹名"), (file_name, "文件名")):
        candidate = candidate.strip()
        if looks_like_pilot_name(candidate):
            return Inference(candidate, f"{where}「{candidate}」", 0.6)
        found = pilot_name_from_title(candidate)
        if found and looks_like_pilot_name(found):
            return Inference(found, f"{where}「{candidate}」", 0.6)
    return None


def _weighted_counts(sources: list[tuple[str, int]], cues: dict[str, tuple[tuple[str, int], ...]]) -> Counter:
    scores: Counter = Counter()
    for text, weight in sources:
        for kind, words in cues.items():
            for word, word_weight in words:
                count = text.count(word)
                if count:
                    capped = min(count, MAX_TEXT_COUNT) if weight == TEXT_WEIGHT else 1
                    scores[kind] += weight * word_weight * capped
    return scores


def _decide(scores: Counter, what: str) -> Inference | None:
    ranked = scores.most_common()
    if not ranked or ranked[0][1] < MIN_SCORE:
        return None
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if runner_up and score < MIN_MARGIN * runner_up:
        return None
    others = "；".join(f"{kind} {value}" for kind, value in ranked[1:3])
    evidence = f"{what}得分 {best} {score}" + (f"（其次：{others}）" if others else "")
    return Inference(best, evidence, round(score / (score + runner_up), 2))


def infer_pilot_type(clues: TextClues) -> Inference | None:
    """The pilot type: from the ending of the pilot's name, else cue words."""
    for name, where in ((clues.pilot, "试点名称"), (pilot_name_from_title(clues.title), "标题中的试点名称")):
        found = type_of_name(name) if name else None
        if found:
            kind, ending = found
            return Inference(kind, f"{where}「{name}」以「{ending}」结尾", 0.9)
    sources = [
        (_neutral(clues.title), TITLE_WEIGHT),
        (_neutral(clues.file_name), FILE_WEIGHT),
        (_neutral(clues.head[:HEAD_CHARS]), TEXT_WEIGHT),
    ]
    return _decide(_weighted_counts(sources, TYPE_CUES), "试点类型关键词")


# --- region ------------------------------------------------------------------------

_PLACES_LONGEST_FIRST = sorted(PLACE_REGIONS, key=len, reverse=True)


def _region_counts(text: str) -> Counter:
    """Region -> mentions in ``text``; a longer place name hides the shorter ones
    inside it (「银川市」 is not also 「银川」)."""
    counts: Counter = Counter()
    for place in _PLACES_LONGEST_FIRST:
        found = text.count(place)
        if found:
            counts[PLACE_REGIONS[place]] += found
            text = text.replace(place, "　")
    return counts


def infer_region(clues: TextClues) -> Inference | None:
    """The region (one of REGIONS): place names, the pilot's name and title first."""
    scores: Counter = Counter()
    for text, weight in (
        (clues.pilot, TITLE_WEIGHT + 1),
        (clues.title, TITLE_WEIGHT),
        (clues.file_name, FILE_WEIGHT),
        (clues.head[:HEAD_CHARS], TEXT_WEIGHT),
    ):
        for region, count in _region_counts(text).items():
            scores[region] += weight * (min(count, MAX_TEXT_COUNT) if weight == TEXT_WEIGHT else 1)
    # One mention in the title, the file name or the pilot's name is enough; the text
    # alone needs two (「距中卫市120公里」 once says where the place is not).
    ranked = scores.most_common()
    if not ranked or ranked[0][1] < 2:
        return None
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if runner_up and score < MIN_MARGIN * runner_up:
        return None
    return Inference(best, f"地名得分 {best} {score}", round(score / (score + runner_up), 2))


# --- document kind -----------------------------------------------------------------

POLICY_ENDINGS = ("通知", "意见", "办法", "规定", "细则", "决定", "条例", "指南", "通告", "公告", "规划")

DOC_TYPE_WORDS: tuple[tuple[str, str], ...] = (
    ("评估报告", "评估报告"),
    ("评估", "评估报告"),
    ("典型案例", "典型案例"),
    ("案例", "典型案例"),
    ("经验总结", "经验总结"),
    ("经验做法", "经验总结"),
    ("经验材料", "经验总结"),
    ("典型经验", "经验总结"),
    ("进展报告", "进展报告"),
    ("进展情况", "进展报告"),
    ("工作进展", "进展报告"),
    ("工作总结", "进展报告"),
    ("半年", "进展报告"),
    ("总结", "经验总结"),
    ("实施方案", "实施方案"),
    ("工作方案", "实施方案"),
    ("建设方案", "实施方案"),
    ("方案", "实施方案"),
)

# File-name words (the demo corpus names files plan.md, report-2025H1.md, summary.md).
FILE_WORDS: dict[str, str] = {
    "plan": "实施方案",
    "report": "进展报告",
    "progress": "进展报告",
    "summary": "经验总结",
    "case": "典型案例",
    "evaluation": "评估报告",
    "assessment": "评估报告",
    "policy": "政策文件",
    "notice": "政策文件",
}


def _doc_type_in(text: str) -> str:
    text = re.sub(r"\s+", "", text).rstrip("。")
    if text.endswith(POLICY_ENDINGS):
        return "政策文件"
    return next((kind for word, kind in DOC_TYPE_WORDS if word in text), "")


def infer_doc_type(clues: TextClues) -> Inference | None:
    """The document kind, from words in the title, else the file name, else the
    first lines of the text."""
    kind = _doc_type_in(clues.title)
    if kind:
        return Inference(kind, f"标题「{clues.title}」", 0.9)
    kind = _doc_type_in(clues.file_name)
    if not kind:
        words = re.split(r"[^a-z]+", clues.file_name.lower())
        kind = next((FILE_WORDS[word] for word in words if word in FILE_WORDS), "")
    if kind:
        return Inference(kind, f"文件名「{clues.file_name}」", 0.7)
    for line in clues.head.splitlines()[:5]:
        if 4 <= len(line.strip()) <= 40:
            kind = _doc_type_in(line)
            if kind:
                return Inference(kind, f"正文开头「{line.strip()}」", 0.6)
    return None


# --- period and date ---------------------------------------------------------------

_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = "〇零一二三四五六七八九十"


def _cn_small_number(text: str) -> int:
    """1–31 written 「六」, 「十二」, 「三十一」 (or Arabic digits)."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _CN_DIGIT.get(text, 0)
    tens, _, ones = text.partition("十")
    return (_CN_DIGIT.get(tens, 0) if tens else 1) * 10 + (_CN_DIGIT.get(ones, 0) if ones else 0)


def _arabic_years(text: str) -> str:
    """「二〇二五年」 -> 「2025年」."""
    return re.sub(r"([〇零一二三四五六七八九]{4})(?=\s*年)", lambda m: "".join(str(_CN_DIGIT[ch]) for ch in m[1]), text)


_HALF = re.compile(r"(20\d\d)\s*年\s*(上|下)半年")
_WHOLE_YEAR = re.compile(r"(20\d\d)\s*年\s*(?:度|全年)")
_CODE = re.compile(r"(20\d\d)\s*[Hh]\s*([12])(?!\d)")
REPORT_KINDS = ("进展报告", "评估报告")


def _period_in(text: str, whole_year: bool) -> str:
    text = _arabic_years(text)
    match = _HALF.search(text)
    if match:
        return f"{match[1]}H{1 if match[2] == '上' else 2}"
    match = _CODE.search(text)
    if match:
        return f"{match[1]}H{match[2]}"
    if whole_year:
        match = _WHOLE_YEAR.search(text)
        if match:
            return f"{match[1]}H2"
    return ""


def infer_period(clues: TextClues, doc_type: str = "") -> Inference | None:
    """The half-year a document covers (2025H1); the opening text counts only for
    reports, since a plan's schedule is full of half-years it does not cover."""
    report = doc_type in REPORT_KINDS
    for text, where, confidence in ((clues.title, "标题", 0.9), (clues.file_name, "文件名", 0.8)):
        period = _period_in(text, report)
        if period:
            return Inference(period, f"{where}「{text}」", confidence)
    if report:
        period = _period_in(clues.head[:HEAD_CHARS], True)
        if period:
            return Inference(period, "报告正文开头", 0.7)
    return None


_DATE = re.compile(rf"(20\d\d)\s*年\s*([0-9{_CN_NUMBER}]{{1,3}})\s*月\s*([0-9{_CN_NUMBER}]{{1,3}})\s*日")
# A signature date ends its line, which has no punctuation (「…管委会 2025年7月10日」;
# Markdown joins the signer's line and the date's). A deadline sits inside a sentence.
_DATE_LINE = re.compile(rf"^[^。，；：,;:]{{0,40}}?[（(]?\s*{_DATE.pattern}\s*(?:印发|发布|报送)?\s*[）)]?$")
_ISO_DATE = re.compile(r"(20\d\d)[-_.]?(\d\d)[-_.]?(\d\d)(?!\d)")


def _iso(year: str, month: int, day: int) -> str:
    """ISO date, or ``""`` for a date that does not exist (2025年2月30日)."""
    try:
        return dt.date(int(year), month, day).isoformat()
    except ValueError:
        return ""


def infer_date(clues: TextClues) -> Inference | None:
    """The date of the document: a date alone on a line (its 落款) near the end, then
    near the start, or a date in the title or file name."""
    match = _DATE.search(_arabic_years(clues.title))
    if match:
        iso = _iso(match[1], _cn_small_number(match[2]), _cn_small_number(match[3]))
        if iso:
            return Inference(iso, f"标题「{clues.title}」", 0.8)
    for text, where, lines in ((clues.tail, "文末落款", reversed), (clues.head[:HEAD_CHARS], "正文开头", iter)):
        for line in lines(_arabic_years(text).splitlines()):
            match = _DATE_LINE.match(line.strip())
            if match:
                iso = _iso(match[1], _cn_small_number(match[2]), _cn_small_number(match[3]))
                if iso:
                    return Inference(iso, f"{where}「{line.strip()}」", 0.8)
    match = _ISO_DATE.search(clues.file_name)
    if match:
        iso = _iso(match[1], int(match[2]), int(match[3]))
        if iso:
            return Inference(iso, f"文件名「{clues.file_name}」", 0.6)
    return None


# --- title -------------------------------------------------------------------------

_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、，]|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.．、])")


def infer_title(carried: str, lines: list[str], file_name: str) -> Inference:
    """The title: the one the file carries, else its first short line that reads
    like a title, else the file name. Never fails."""
    if carried.strip():
        return Inference(carried.strip(), "文件自带的标题", 0.9)
    for line in lines[:5]:
        text = line.strip().lstrip("#").strip()
        if not text:
            continue
        looks_like_title = 4 <= len(text) <= 40 and not text.endswith(("。", "；", "：", ":", "，"))
        if looks_like_title and not _NUMBERED.match(text) and not _DATE_LINE.match(_arabic_years(text)):
            return Inference(text, "正文第一行", 0.7)
    return Inference(file_name, "文件名", 0.3)


# --- documents of the programme ------------------------------------------------------

_NATIONAL = ("国家发展改革委", "国家发展和改革委员会", "国务院", "国家")
_REGION_WIDE = ("宁夏回族自治区", "宁夏", "自治区", "全区")
_PROGRAMME_WORDS = ("试点建设方案", "试点工作", "试点建设", "编制指南", "指南", "通知", "意见", "办法")


def infer_scope(clues: TextClues) -> tuple[Inference, str] | None:
    """(scope, region) of a document that belongs to the programme rather than to a
    pilot: its title names the programme (试点建设方案, 通知, 编制指南 …) and a whole
    country, region or city rather than a pilot. None otherwise."""
    title = re.sub(r"\s+", "", clues.title)
    if not any(word in title for word in _PROGRAMME_WORDS):
        return None
    if title.startswith(_NATIONAL):
        return Inference("国家", f"标题「{clues.title}」以国家部门开头", 0.8), ""
    for place, region in PLACE_REGIONS.items():
        if title.startswith(place) and region != "宁东能源化工基地":
            return Inference("地市", f"标题「{clues.title}」以「{place}」开头", 0.7), region
    if title.startswith(_REGION_WIDE):
        return Inference("自治区", f"标题「{clues.title}」以「宁夏/自治区」开头，不属于某个试点", 0.8), ""
    return None


def infer_programme_doc_type(clues: TextClues) -> Inference:
    """A programme document's kind: 通知, 编制指南, else 政策文件 (a plan for the whole
    region is policy, not a pilot's 实施方案)."""
    title = re.sub(r"\s+", "", clues.title)
    if title.endswith("通知"):
        return Inference("通知", f"标题「{clues.title}」以「通知」结尾", 0.9)
    if "编制指南" in title or title.endswith("指南"):
        return Inference("编制指南", f"标题「{clues.title}」含「指南」", 0.9)
    return Inference("政策文件", f"标题「{clues.title}」是面向全体试点的文件", 0.8)
