"""Targets (目标) a pilot sets in its implementation plan: what, how much, by when.

「到2025年，余热资源回收利用率达到70%；黄河水取用量较2023年下降20%」 gives two records:
余热资源回收利用率 at least 70% by 2025 (a level), and 黄河水取用量 down 20% from 2023 (a
change from a baseline). The forms read:

- a level to reach or not exceed: 达到70%、提高到0.64、降至2.45吨标准煤/吨以下、不高于1.15;
- a level with its baseline: 由2023年的11.2克/千克提高到12.5克/千克;
- a change from a baseline year: 较2023年下降20%、与2023年相比……下降8%;
- year-on-year rates, one per year: 2024年、2025年分别同比下降3.0%和3.5%;
- a total accumulated over the plan: 累计完成农房节能改造320户、2024—2025年……累计减少55万吨.

Only the sections of an implementation plan whose headings announce targets are read
(主要目标, 2025年目标, 建设目标 …); the target year comes from the heading or from the
sentence (到2025年). A clause with a number the reader cannot place (no target year, no
indicator before it) is returned as unread, for ``tanlu figures --check`` to list: a
target is never guessed. Peaks and plateaus (峰值控制在660万吨以内) are not levels to
track against half-yearly reports and are left out. The words behind these rules are in
data/target_words.txt; units are those of reported figures (data/units.txt).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ingest.documents import HEADING_SEPARATOR, ParsedDocument, Section
from ingest.domain import PLAN_DOC_TYPE
from ingest.extracted import Target
from ingest.indicators import UNITS_FILE, data_sections, unit_rules

WORDS_FILE = Path(__file__).with_name("data") / "target_words.txt"

# The forms of a target (Target.form) and the side of its value that meets it (Target.direction).
LEVEL, CHANGE, YEAR_ON_YEAR, CUMULATIVE = "水平", "较基期变化", "同比", "累计"
AT_LEAST, AT_MOST = "不低于", "不高于"
MAX_NAME_CHARS = 24

_YEAR = r"20\d{2}"
_TARGET_YEAR = re.compile(rf"(?:到|至|在)?({_YEAR})年(?:底|末)?(?:目标)?")
_YEAR_RANGE = re.compile(rf"({_YEAR})\s*[—\-－～~至到]\s*({_YEAR})年")
_BASE = re.compile(rf"(?:较|比|与|相比)({_YEAR})年(?:底|末)?(?:能效水平|水平|基数)?(?:相比|比较)?|较改造前|较基期")
_FROM_TO = re.compile(
    rf"由(?:(?P<year>{_YEAR})年的?)?约?(?P<base>\d+(?:,\d{{3}})*(?:\.\d+)?)(?P<unit>[^\d，,；;。提降增]*)"
)
_HEADING_YEAR = re.compile(
    rf"({_YEAR})年(?:主要|建设|试点|发展)?目标|^(?:[（(]?[一二三四五六七八九十\d]+[）).．、]\s*)?到({_YEAR})年"
)
_ENUMERATOR = re.compile(r"^\s*(?:\d+[.．、]|[（(][一二三四五六七八九十\d]+[）)])\s*")
_CLAUSE_END = re.compile(r"[，；;：:。！？!?]|,(?!\d{3})")
_WORDLIKE = re.compile(r"[A-Za-z\u3400-\u9fff]")


@dataclass
class TargetReading:
    """What a plan's target sections gave: the targets, and the clauses with numbers
    that could not be read as targets (listed by ``tanlu figures --check``)."""

    targets: list[Target] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)


@cache
def _words() -> dict[str, tuple[str, ...]]:
    return {name: tuple(sorted(entries, key=len, reverse=True)) for name, entries in data_sections(WORDS_FILE).items()}


def _alternatives(entries: Iterable[str]) -> str:
    return "|".join(re.escape(entry) for entry in sorted(entries, key=len, reverse=True))


@cache
def _value_pattern() -> re.Pattern[str]:
    """A number with a unit (a rate like 万吨/年 too), or a bare number (PUE 1.20, 系数 0.64)."""
    units = _alternatives(unit_rules())
    per = _alternatives(data_sections(UNITS_FILE)["per"])
    number = r"(?<![\dA-Za-z.．])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    return re.compile(rf"(?P<number>{number})(?:(?P<unit>{units})(?:/(?P<per>{per}))?)?(?![\d年月日])")


def is_target_section(section: Section) -> bool:
    words = _words()
    if not section.heading_path or not any(
        any(word in heading for word in words["target_headings"]) for heading in section.heading_path
    ):
        return False
    last = section.heading_path[-1]
    return any(word in last for word in words["target_headings"]) or not any(
        word in last for word in words["not_target_headings"]
    )


def extract_targets(document: ParsedDocument) -> TargetReading:
    """The targets of an implementation plan (nothing for other document types)."""
    return extract_plan_targets(document.meta.doc_type, document.sections)


def extract_plan_targets(doc_type: str, sections: Iterable[Section]) -> TargetReading:
    reading = TargetReading()
    if doc_type != PLAN_DOC_TYPE:
        return reading
    for section in sections:
        if is_target_section(section):
            _read_section(section, reading)
    return reading


def _heading_year(section: Section) -> int:
    """The year a heading gives its targets: 「（一）2025年目标」「1. 到2025年」, not the
    base year of an item heading (「…较2023年下降12%」)."""
    for heading in reversed(section.heading_path):
        match = _HEADING_YEAR.search(heading)
        if match:
            return int(match[1] or match[2])
    return 0


def _segments(block: str) -> list[str]:
    """Items of a target block: sentences cut at 。 and ；, each the unit a citation shows."""
    return [piece.strip() for piece in re.findall(r"[^。；;]+[。；;]?", block) if piece.strip()]


def _read_section(section: Section, reading: TargetReading) -> None:
    year = _heading_year(section)
    heading = HEADING_SEPARATOR.join(section.heading_path)
    for block in section.blocks:
        for segment in _segments(block):
            segment = _ENUMERATOR.sub("", segment)
            lead = re.match(rf"^\s*(?:到|至)({_YEAR})年(?:底|末)?[，,。:：]?", segment)
            if lead:
                year = int(lead[1])
            body = segment[lead.end() :] if lead else segment
            if not _has_value(body):
                continue
            found, unread = _segment_targets(body, segment, year, heading)
            reading.targets.extend(found)
            reading.unread.extend(unread)


def _has_value(text: str) -> bool:
    return any(not _is_year(text, match) for match in _value_pattern().finditer(text))


def _is_year(text: str, match: re.Match[str]) -> bool:
    return (
        re.fullmatch(_YEAR, match["number"]) is not None
        and not match["unit"]
        and text[match.end() : match.end() + 1] in ("年", "—", "-", "－", "～", "~", "至", "到")
    )


@dataclass
class _Clause:
    text: str
    base_year: int | None  # 较2023年 / 与2023年相比, lent to the clauses after it in the item
    cumulative_from: int | None  # 2024—2025年……累计: the first year of the total


def _segment_targets(body: str, segment: str, year: int, heading: str) -> tuple[list[Target], list[str]]:
    targets: list[Target] = []
    unread: list[str] = []
    lent_base: int | None = None  # 「与2023年相比」 before the clauses it governs
    noun = ""
    sentence = segment.strip().rstrip("；;")
    for comma_clause in _CLAUSE_END.split(body):
        # 「累计形成年节约标准煤18万吨、减少二氧化碳排放47万吨的能力」: 累计 before a verb
        # governs the whole list; inside a name (分布式光伏累计装机50万千瓦、用户侧储能…) only its own.
        governs = re.search(rf"累计(?:{_alternatives(_words()['object_verbs'])})", comma_clause) is not None
        for clause_text in _split_enumeration(comma_clause):
            clause = clause_text.strip()
            cumulative = governs or any(cue in clause for cue in _words()["cumulative_cues"])
            if not clause:
                continue
            if not _has_value(clause):
                base = _BASE.search(clause)
                if base and base[1]:
                    lent_base = int(base[1])
                continue
            if any(word in clause for word in _words()["not_trackable"]):
                continue
            if not year:
                unread.append(f"{sentence}（未注明目标年份）")
                continue
            read, noun, lent_base = _clause_targets(clause, year, lent_base, noun, cumulative, sentence, heading)
            if read:
                targets.extend(read)
            else:
                unread.append(sentence)
    return targets, list(dict.fromkeys(unread))


def _split_enumeration(clause: str) -> list[str]:
    """「新增造林2200亩、修复退化林1800亩」 splits at 、, when both sides hold a figure and
    the second starts with words (not 「完成36栋、22.4万平方米既有住宅节能改造」)."""
    pieces = clause.split("、")
    parts = []
    current = pieces[0]
    for piece in pieces[1:]:
        if _has_value(current) and _has_value(piece) and not piece[:1].isdigit():
            parts.append(current)
            current = piece
        else:
            current += "、" + piece
    parts.append(current)
    return parts


def _clause_targets(
    clause: str,
    year: int,
    lent_base: int | None,
    noun: str,
    cumulative: bool,
    sentence: str,
    heading: str,
) -> tuple[list[Target], str, int | None]:
    """Targets of one clause, the noun it lends the next (「…，较2023年下降5%」), and the
    base year it lends (「与2023年相比…」)."""
    years = _YEAR_RANGE.search(clause)
    cumulative_from = int(years[1]) if years else None
    if years:
        clause = clause[: years.start()] + clause[years.end() :]
    own_base: int | None = None
    lent_change = lent_base
    base = _BASE.search(clause)
    if base:
        own_base = int(base[1]) if base[1] else None
        if own_base and clause[: base.start()].strip() == "":
            lent_base = own_base  # 「与2023年相比，…」 governs the rest of the item
        elif own_base:
            lent_change = own_base  # 「…较2023年下降8%，…下降9%」: the second change shares it
        clause = clause[: base.start()] + clause[base.end() :]
    from_to = _FROM_TO.search(clause)
    baseline_value = float(from_to["base"].replace(",", "")) if from_to else None
    if from_to:
        own_base = int(from_to["year"]) if from_to["year"] else own_base
        clause = clause[: from_to.start()] + clause[from_to.end() :]
    if "分别" in clause:
        return _respectively(clause, noun, sentence, heading), noun, lent_base

    targets: list[Target] = []
    position = 0
    matches = [match for match in _value_pattern().finditer(clause) if not _is_year(clause, match)]
    for index, match in enumerate(matches):
        prefix = clause[position : match.start()]
        after = clause[match.end() :]
        position = match.end()
        unit = _unit(match)
        if prefix.endswith("/") and targets:  # 10万千瓦/40万千瓦时: the pair shares its name
            name, verb = targets[-1].indicator, ""
        else:
            name, verb = _name_and_verb(prefix)
        if prefix.strip(" 、") in ("", *_words()["object_verbs"]) and not verb:
            name = _name_after(after)  # 「完成36栋、22.4万平方米既有住宅节能改造」「480户老旧农房…全覆盖」
            if not name:
                continue
        elif _qualifies_noun(after, matches[index + 1 :]):
            return [], noun, lent_base  # 「覆盖全部12个用能单元」: the number counts a noun; unread
        if not unit and not verb:
            continue  # a bare number is a target only after a verb (PUE降至1.20以下)
        if not name and noun:
            name = noun
        elif name and len(name) <= 3 and noun and "单位" in noun:
            name = name + noun[noun.index("单位") :]  # 「硅铁降至1800千克标准煤/吨」
        if not name or not _acceptable(name):
            continue
        noun = name
        form, direction = _form(verb, after, cumulative or cumulative_from is not None)
        base_year = own_base
        if base_year is None and form == CHANGE:
            base_year = lent_change
        elif base_year is None and form == LEVEL and not verb:
            base_year = lent_base
        value = float(match["number"].replace(",", ""))
        targets.append(
            _target(
                name, value, unit, year, form, direction, baseline_value, base_year, cumulative_from,
                match.group(0), sentence, heading,
            )
        )  # fmt: skip
    return targets, noun, lent_base if lent_base is not None else (own_base if targets else None)


def _qualifies_noun(after: str, later: list[re.Match[str]]) -> bool:
    """Whether words follow the value in its clause (「12个用能单元」), so that it counts
    something rather than states the indicator's level."""
    text = after.strip()
    if not text or text.startswith(("/", "、", "和", "及", "（", "(")):
        return False
    words = _words()
    for bound in (*words["up_bounds"], *words["down_bounds"], *words["trailing_words"]):
        if text.startswith(bound):
            text = text[len(bound) :].strip()
    return bool(_WORDLIKE.match(text)) and not later


def _respectively(clause: str, noun: str, sentence: str, heading: str) -> list[Target]:
    """「单位地区生产总值能耗2024年、2025年分别同比下降3.2%、3.5%」: one target a year."""
    head, _, tail = clause.partition("分别")
    years = [int(found) for found in re.findall(rf"({_YEAR})年", head)]
    name, _ = _name_and_verb(re.sub(rf"{_YEAR}年[、和及]?", "", head))
    name = name or noun
    values = [match for match in _value_pattern().finditer(tail) if match["unit"]]
    if not name or not years or len(years) != len(values):
        return []
    verb_match = re.match(rf"(同比)?({_alternatives(_words()['change_verbs'])})", tail)
    yoy = bool(verb_match and verb_match[1])
    targets = []
    for target_year, match in zip(years, values, strict=True):
        form = YEAR_ON_YEAR if yoy else CHANGE
        targets.append(
            _target(
                name, float(match["number"]), _unit(match), target_year, form, AT_LEAST, None, None, None,
                match.group(0), sentence, heading,
            )
        )  # fmt: skip
    return targets


def _unit(match: re.Match[str]) -> str:
    unit = match["unit"] or ""
    return f"{unit}/{match['per']}" if match["per"] else unit


@cache
def _verbs() -> tuple[str, ...]:
    """Every verb that may stand between an indicator and its value, longest first."""
    words = _words()
    year_on_year = (f"同比{verb}" for verb in words["change_verbs"])
    found = [*words["up_level_verbs"], *words["down_level_verbs"], *year_on_year, *words["change_verbs"]]
    return tuple(sorted(found, key=len, reverse=True))


def _name_and_verb(prefix: str) -> tuple[str, str]:
    """(indicator, verb) of the text before a value: 「余热资源回收利用率达到」 -> (…, 达到)."""
    text = prefix.strip(" ，,、")
    verb = ""
    for candidate in _verbs():
        if text.endswith(candidate):
            verb, text = candidate, text[: -len(candidate)]
            break
    return _clean_name(text), verb


def _clean_name(text: str) -> str:
    words = _words()
    text = re.sub(r"[（(][^）)]*[）)]$", "", text)
    # 「年协同处置城市生活垃圾衍生燃料、市政污泥、废旧轮胎等固废」 -> 年协同处置固废
    text = re.sub(rf"(?<=({_alternatives(words['enumeration_verbs'])}))[^、]+(?:、[^、]+)+等", "", text)
    # 「…余热利用累计减少二氧化碳排放」 -> 减少二氧化碳排放: what 累计 is followed by is the name
    total = re.search(rf"累计(?=({_alternatives(words['object_verbs'])}))", text)
    if total:
        text = text[total.end() :]
    previous = None
    while previous != text:
        previous = text
        text = text.strip(" ，,、：:；;。")
        for start in words["name_starts"]:
            if text.startswith(start) and len(_WORDLIKE.findall(text[len(start) :])) >= 2:
                text = text[len(start) :]
                break
        for end in words["name_ends"]:
            if text.endswith(end) and len(text) > len(end) + 1:
                text = text[: -len(end)]
                break
    return text


def _name_after(after: str) -> str:
    """The noun after the values (「既有住宅节能改造」 in 「…22.4万平方米既有住宅节能改造」)."""
    text = re.split(r"[，,；;。]", after)[0]
    previous = None
    while previous != text:  # the other values of the pair: 「、22.4万平方米」
        previous = text
        text = text.lstrip("、和及 ")
        value = _value_pattern().match(text)
        if value:
            text = text[value.end() :]
    text = re.sub(r"(全覆盖|全部完成|完成)$", "", text)
    return _clean_name(text) if not re.search(r"\d", text) else ""


def _form(verb: str, after: str, cumulative: bool) -> tuple[str, str]:
    words = _words()
    bound_down = after.startswith(words["down_bounds"])
    if verb.startswith("同比"):
        return YEAR_ON_YEAR, AT_LEAST
    if verb in words["change_verbs"]:
        return CHANGE, AT_LEAST
    direction = AT_MOST if verb in words["down_level_verbs"] or bound_down else AT_LEAST
    return (CUMULATIVE if cumulative else LEVEL), direction


def _acceptable(name: str) -> bool:
    return (
        len(_WORDLIKE.findall(name)) >= 2
        and len(name) <= MAX_NAME_CHARS
        and not re.search(r"\d", name)
        and not name.endswith(("的", "到", "至", "在"))
    )


def _target(
    name: str,
    value: float,
    unit: str,
    year: int,
    form: str,
    direction: str,
    baseline_value: float | None,
    baseline_year: int | None,
    cumulative_from: int | None,
    text: str,
    sentence: str,
    heading: str,
) -> Target:
    base, slash, per = unit.partition("/")
    rule = unit_rules().get(base)
    normalized_value, normalized_unit = None, ""
    if rule is not None and rule.factor is not None:
        normalized_value = float(f"{value * rule.factor:.12g}")
        normalized_unit = rule.normalized_unit + slash + per
    if form == CUMULATIVE and baseline_year is None and cumulative_from:
        baseline_year = cumulative_from - 1
    return Target(
        indicator=name.replace(" ", ""),
        value=value,
        unit=unit,
        year=year,
        form=form,
        direction=direction,
        baseline_value=baseline_value,
        baseline_year=baseline_year,
        text=text,
        sentence=sentence,
        heading_path=heading,
        normalized_value=normalized_value,
        normalized_unit=normalized_unit,
    )
