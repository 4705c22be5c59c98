"""Figures (指标) reported in a document: name, value, unit and period.

Two sources: sentences (「2025年上半年园区单位工业增加值能耗同比下降4.2%」) and the
key-indicator tables of progress reports, whose rows ingest/formats/markdown.py turned into text
(「指标：绿电消费占比；单位：%；年度目标：45；完成值：39.8。」).

Precision over recall. A number is a figure only with a unit listed in data/units.txt,
a noun phrase before it that names it, and nothing after it that it merely qualifies
(「40万吨/年捕集装置」 is an equipment size, not a figure). Plans, targets and estimates
are not reported figures: sections whose headings announce them and clauses with words
like 力争 or 预计 are skipped, and in an implementation plan only the sections that
describe the present are read. The words behind these rules are in
data/figure_words.txt; the unit conversions in data/units.txt.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from ingest.documents import ParsedDocument, Section
from ingest.domain import parse_period
from ingest.extracted import Figure
from ingest.indicator_names import canonical_name
from ingest.period_kinds import BASELINE, FULL_YEAR, HALF, Span, document_span, read_span, to_date
from ingest.sentences import split_sentences

DATA_DIR = Path(__file__).with_name("data")
UNITS_FILE = DATA_DIR / "units.txt"
WORDS_FILE = DATA_DIR / "figure_words.txt"

PLAN_DOC_TYPE = "实施方案"
MAX_NAME_CHARS = 24
# Integers this long without a unit-like grouping are identifiers (phone numbers, codes).
MAX_INTEGER_DIGITS = 7

# A comma inside 8,580 groups digits; it ends no clause.
_CLAUSE_END = re.compile(r"[，；;：:。！？!?]|,(?!\d{3})")
_WORDLIKE = re.compile(r"[A-Za-z\u3400-\u9fff]")
_DIGIT_BRACKETS = re.compile(r"[（(][^（）()]*\d[^（）()]*[）)]")
# 「截至6月底」「1—2月」「10月15日前」: dates without a year, never part of a name.
_MONTH_DAY = re.compile(
    r"(?:自|从)?\d{1,2}月?(?:[—\-－～~至到]\d{1,2})?月(?:\d{1,2}日)?(?:底|末|份|上旬|中旬|下旬)?(?:起|以来|前|后)?"
)
_FOLLOWERS = "，,；;：:。！？!?、）)」”’…"
_EDGE_PUNCTUATION = " \t、，,；;：:。.！？!?/-—～~"


def data_sections(path: Path) -> dict[str, list[str]]:
    """``[name]`` sections of a data file, one entry a line; ``#`` starts a comment."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw_line in path.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif current is None:
            raise ValueError(f"{path.name}: entry outside a [section]: {line}")
        else:
            current.append(line)
    return sections


# Bump when the extraction code changes what it reads: stored figures are then stale.
EXTRACTION_CODE_VERSION = "2"


def extraction_version() -> str:
    """A digest of what decides the extracted figures (word lists, units, indicator
    names, code version): a knowledge base re-extracts every document when it changes."""
    digest = hashlib.sha256(EXTRACTION_CODE_VERSION.encode())
    for path in sorted(DATA_DIR.glob("*.txt")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class UnitRule:
    """A unit as written and, where the conversion is safe, its normalised form."""

    unit: str
    normalized_unit: str = ""
    factor: float | None = None


@cache
def unit_rules() -> dict[str, UnitRule]:
    rules = {}
    for line in data_sections(UNITS_FILE)["units"]:
        parts = line.split()
        if len(parts) == 3:
            rules[parts[0]] = UnitRule(parts[0], parts[1], float(parts[2]))
        elif len(parts) == 1:
            rules[parts[0]] = UnitRule(parts[0])
        else:
            raise ValueError(f"{UNITS_FILE.name}: expected 'unit' or 'unit normalised factor': {line}")
    return rules


@cache
def _words() -> dict[str, tuple[str, ...]]:
    """Word lists of data/figure_words.txt, longest entry first."""
    return {name: tuple(sorted(entries, key=len, reverse=True)) for name, entries in data_sections(WORDS_FILE).items()}


def _alternatives(entries: Iterable[str]) -> str:
    return "|".join(re.escape(entry) for entry in sorted(entries, key=len, reverse=True))


@dataclass(frozen=True)
class _Patterns:
    figure: re.Pattern[str]
    time: re.Pattern[str]
    year_range: re.Pattern[str]
    range_before: re.Pattern[str]
    from_link: re.Pattern[str]
    to_link: re.Pattern[str]
    per_prefix: re.Pattern[str]
    change_tail: re.Pattern[str]
    time_word: re.Pattern[str]
    from_words: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    words = _words()
    units = _alternatives(unit_rules())
    per = _alternatives(data_sections(UNITS_FILE)["per"])
    number = r"(?<![\dA-Za-z.．#第])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    figure = (
        rf"(?P<number>{number})(?P<approx>{_alternatives(words['approximations'])})?\s?"
        rf"(?P<unit>{units})(?:/(?P<per>{per}))?(?P<bound>{_alternatives(words['bounds'])})?"
    )
    time = (
        r"(?:(?P<year>20\d{2})年度?"
        r"(?P<part>上半年|下半年|全年|前三季度|[一二三四]季度|底|末|\d{1,2}[—\-－～~至]\d{1,2}月|\d{1,2}月(?:底|末|份)?)?"
        r"|(?<![\d年])(?P<bare>上半年|下半年|全年|\d{1,2}[—\-－～~至]\d{1,2}月))"
    )
    changes = _alternatives(words["changes"])
    to_verbs = _alternatives(words["to_verbs"])
    return _Patterns(
        figure=re.compile(figure),
        time=re.compile(time),
        year_range=re.compile(r"20\d{2}年?(?:\d{1,2}月(?:底|末)?)?[—\-－～~至到]20\d{2}年度?(?:\d{1,2}月(?:底|末)?)?"),
        range_before=re.compile(rf"\d(?:{units})?[—\-－～~至]$"),
        from_link=re.compile(rf"由(?:(?P<time>{time})的|[^，；。\d]{{1,8}}的)?约?(?:每(?P<per>{per}))?$"),
        to_link=re.compile(rf"^[^，；。\d]{{0,8}}?(?:{to_verbs})(?:到|至)(?:(?P<time>{time})的)?约?$"),
        from_words=re.compile(rf"由[^，；。]*?(?:{to_verbs})(?:到|至)$"),
        per_prefix=re.compile(rf"每(?P<per>{per})约?$"),
        time_word=re.compile(_alternatives(words["time_words"])),
        change_tail=re.compile(rf"(?:(?:{_alternatives(words['comparisons'])})[^，；。]{{0,12}}?)?(?:{changes})$"),
    )


@dataclass(frozen=True)
class _Context:
    """What a sentence inherits from its document: the reporting period and year, and
    the span a figure without a time of its own covers (the report's half-year)."""

    period: str
    year: int
    half: int
    default: Span | None
    plan: bool
    pilot_id: str = ""
    # ids of the figures whose span came from the document, not from their sentence
    guessed: set[int] = field(default_factory=set)


def _context(document: ParsedDocument) -> _Context:
    meta = document.meta
    parsed = parse_period(meta.period) if meta.period else None
    year = parsed[0] if parsed else meta.year
    return _Context(
        meta.period,
        year,
        parsed[1] if parsed else 0,
        document_span(meta.period, year),
        meta.doc_type == PLAN_DOC_TYPE,
        meta.pilot_id,
    )


# --- sections -------------------------------------------------------------------------


def _is_forward_heading(heading: str) -> bool:
    words = _words()
    core = heading.rstrip("…。：:")
    return any(word in core for word in words["forward_headings"]) or core.endswith(words["forward_heading_endings"])


def reads_figures(document: ParsedDocument, section: Section) -> bool:
    """False for sections that hold plans or targets rather than reported figures."""
    if any(_is_forward_heading(heading) for heading in section.heading_path):
        return False
    if document.meta.doc_type == PLAN_DOC_TYPE:
        facts = _words()["plan_fact_headings"]
        return bool(section.heading_path) and any(word in section.heading_path[0] for word in facts)
    return True


def extract_figures(document: ParsedDocument, sections: Iterable[Section] | None = None) -> list[Figure]:
    """Figures reported in the document, or in the given sections of it.

    In document order, without repeats of the same (name, value, unit, period). A
    figure's period and its kind (ingest/period_kinds.py) come from the time its
    sentence or table row names (「2024年全年」 -> 全年 2024, 「2025年上半年」 -> 半年 2025H1,
    「截至2025年6月底」 -> 累计 2025H1), else from the document's period. In an
    implementation plan every figure describes the baseline (基期).
    """
    context = _context(document)
    figures: list[Figure] = []
    positions: dict[tuple[str, float, str, str, str], int] = {}
    for section in document.sections if sections is None else sections:
        if not reads_figures(document, section):
            continue
        for block in section.blocks:
            row = _table_row(block)
            found = [] if row is None else _row_figure(row, block, context)
            if row is None:
                found = [figure for sentence in _sentences(block) for figure in _sentence_figures(sentence, context)]
            for figure in found:
                key = (figure.name, figure.value, figure.unit, figure.period, figure.period_kind)
                if key not in positions:
                    positions[key] = len(figures)
                    figures.append(figure)
                elif row is not None:  # the table row also carries the target
                    figures[positions[key]] = figure
    return _without_table_repeats(figures, context.guessed)


def _without_table_repeats(figures: list[Figure], guessed: set[int]) -> list[Figure]:
    """Prose restating a table row's value (「可再生能源占村民生活用能比重为43.8%」 under
    the table) is that row's figure: the row's 统计口径 says its span and the row names
    the indicator, so the prose copy goes rather than stand beside it."""
    rows = [f for f in figures if _is_row_text(f.sentence)]
    named = {(f.name, f.value, f.unit) for f in rows}
    return [
        f
        for f in figures
        if _is_row_text(f.sentence)
        or not (((f.name, f.value, f.unit) in named and id(f) in guessed) or _restates(f, rows))
    ]


def _restates(figure: Figure, rows: list[Figure]) -> bool:
    """Prose with a row's amount and span under a related name (「累计装机4.8万千瓦」 beside
    the row 「屋顶分布式光伏装机容量 4.8」): both name the same thing."""
    pairs = {figure.name[i : i + 2] for i in range(len(figure.name) - 1)}
    return any(
        (row.value, row.unit, row.period, row.period_kind)
        == (figure.value, figure.unit, figure.period, figure.period_kind)
        and pairs & {row.name[i : i + 2] for i in range(len(row.name) - 1)}
        for row in rows
    )


def _is_row_text(sentence: str) -> bool:
    return any(sentence.startswith(f"{key}：") for key in _words()["table_name_keys"])


# --- table rows -----------------------------------------------------------------------


def _table_row(block: str) -> dict[str, str] | None:
    """Cells of a key-indicator table row, or None if the block is not one."""
    cells = {}
    for cell in block.strip().rstrip("。").split("；"):
        key, colon, value = cell.partition("：")
        if not colon:
            return None
        cells[key.strip()] = value.strip()
    words = _words()
    has_name = any(key in cells for key in words["table_name_keys"])
    has_unit = any(key in cells for key in words["table_unit_keys"])
    return cells if has_name and has_unit else None


def _cell(cells: dict[str, str], keys: Iterable[str]) -> tuple[str, str]:
    for key in keys:
        if cells.get(key):
            return key, cells[key]
    return "", ""


def _number(text: str) -> float | None:
    cleaned = text.replace(",", "").replace("，", "").strip()
    try:
        return float(cleaned)
    except ValueError:
        return None


def _ending_cell(cells: dict[str, str], endings: Iterable[str]) -> tuple[str, str]:
    """The first cell whose header ends with one of ``endings`` (「2025年1—6月完成值」)."""
    key, value = _cell(cells, endings)
    if key:
        return key, value
    return next(((k, v) for k, v in cells.items() if v and k.endswith(tuple(endings))), ("", ""))


def _row_span(cells: dict[str, str], value_key: str, context: _Context) -> Span | None:
    """What the row's value covers: its 统计口径 cell, else the time its value column
    names (「2025年1—6月完成值」), else the report's half-year."""
    _, stated = _cell(cells, _words()["table_period_keys"])
    for text in (stated, value_key):
        span = read_span(text, context.period) if text else None
        if span is not None:
            return span
    return context.default


def _row_figure(cells: dict[str, str], block: str, context: _Context) -> list[Figure]:
    words = _words()
    _, name = _cell(cells, words["table_name_keys"])
    _, unit = _cell(cells, words["table_unit_keys"])
    value_key, value_text = _ending_cell(cells, words["table_value_keys"])
    target_key, target_text = _ending_cell(cells, words["table_target_keys"])
    value = _number(value_text)
    if not name or value is None:
        return []
    if unit in words["no_unit_marks"]:
        unit = ""
    elif not unit:
        return []
    text = f"{value_text}{unit}"
    if _number(target_text) is not None:
        text += f"（{target_key}{target_text}{unit}）"
    span = _row_span(cells, value_key, context)
    if context.plan and span is not None:
        span = Span(BASELINE, str(span.year))
    return [_figure(name, value, unit, text, block, span, context.pilot_id)]


# --- sentences ------------------------------------------------------------------------


def _figure(
    name: str, value: float, unit: str, text: str, sentence: str, span: Span | None, pilot_id: str = ""
) -> Figure:
    base, slash, per = unit.partition("/")
    rule = unit_rules().get(base)
    normalized_value, normalized_unit = None, ""
    if rule is not None and rule.factor is not None:
        normalized_value = float(f"{value * rule.factor:.12g}")  # 1.15亿 -> 115000000.0, not …99999
        normalized_unit = rule.normalized_unit + slash + per
    return Figure(
        name=canonical_name(name, pilot_id),
        value=value,
        unit=unit,
        text=text,
        sentence=sentence.strip(),
        period=span.period if span else "",
        year=span.year if span else 0,
        normalized_value=normalized_value,
        normalized_unit=normalized_unit,
        period_kind=span.kind if span else "",
    )


def _sentences(block: str) -> list[str]:
    """Sentences up to 。！？: a 「；」 does not end the reach of a leading 「2023年」."""
    merged: list[str] = []
    for piece in split_sentences(block):
        enumerated = piece.lstrip().startswith(_words()["enumerators"])
        if merged and merged[-1].rstrip().endswith(("；", ";")) and not enumerated:
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def _standalone(clause: str, match: re.Match[str]) -> bool:
    """A figure, not a range end, an identifier or a size qualifying a noun after it."""
    integer = match["number"].replace(",", "").split(".")[0]
    if "," not in match["number"] and len(integer) >= MAX_INTEGER_DIGITS:
        return False
    if _patterns().range_before.search(clause[: match.start()]):
        return False
    rest = clause[match.end() :]
    if rest.startswith("/"):  # 10万千瓦/20万千瓦时: the pair stands or falls together
        second = _patterns().figure.match(clause, match.end() + 1)
        return second is not None and _standalone(clause, second)
    joined = rest.startswith(("（", "(")) or rest.startswith(_words()["joining_followers"])
    if rest and not (rest[0] in _FOLLOWERS or rest[0].isspace() or joined):
        return False
    # 「浓度98%以上、捕集能耗低的优势」: the figure sits inside a longer noun phrase.
    return "的" not in rest or bool(_patterns().figure.search(rest))


def _times(text: str) -> list[re.Match[str]]:
    """Time expressions that date the figures after them (not the base in 较2023年)."""
    patterns = _patterns()
    masked = patterns.year_range.sub(lambda match: "#" * len(match.group(0)), text)
    base_marks = _words()["base_marks"]
    return [match for match in patterns.time.finditer(masked) if not masked[: match.start()].endswith(base_marks)]


def _time_before(times: list[re.Match[str]], position: int) -> re.Match[str] | None:
    before = [match for match in times if match.end() <= position]
    return before[-1] if before else None


def _span(time: re.Match[str] | None, context: _Context) -> Span | None:
    """What a figure covers by its own time expression, else by the document's period.

    A bare year is the full year, except the report's own year in a first-half report
    (「2025年…」 in the 2025H1 report means this year so far).
    """
    if time is None:
        return context.default
    year = int(time["year"]) if time["year"] else context.year
    part = time["part"] or time["bare"] or ""
    if not part and year == context.year and context.half == 1:
        return context.default
    if re.fullmatch(r"\d{1,2}月", part):  # 「2024年10月投运」 dates an event, not a span
        return context.default
    return read_span(f"{year}年{part}", context.period) or context.default


def _figure_span(
    sentence_before: str, clause_before: str, name: str, time: re.Match[str] | None, context: _Context
) -> Span | None:
    """The span with what the sentence says of it. A stock (…装机容量, …产能, 年节约…)
    is a total up to the period's end; so is a figure after 累计/截至, unless its own
    clause names its span (「上半年累计发电」 sums the half-year). An increment (新增…)
    is neither. In a plan every figure is the baseline, and so is a figure of before the
    pilot began."""
    span = _span(time, context)
    if span is None:
        return None
    if context.plan:
        return Span(BASELINE, str(span.year))
    words = _words()
    if time is None and _before_the_pilot(sentence_before, words["baseline_words"]):
        return Span(BASELINE, str(span.year))
    if span.kind not in (HALF, FULL_YEAR):
        return span
    if name.startswith(words["flow_starts"]) or any(word in clause_before for word in words["flow_words"]):
        return span
    if name.endswith(words["stock_endings"]) or name.startswith(words["stock_starts"]):
        return to_date(span)
    named_span = time is not None and bool(time["part"] or time["bare"]) and time.group(0) in clause_before
    cumulative = any(cue in clause_before for cue in words["to_date_cues"]) or sentence_before.lstrip().startswith(
        words["to_date_openers"]
    )
    return to_date(span) if cumulative and not named_span else span


def _before_the_pilot(sentence_before: str, cues: tuple[str, ...]) -> bool:
    """The sentence sets the figure before the pilot began (「试点启动前，全村清洁取暖率仅
    22%」): a baseline, whatever the document's period. 「较改造前下降26.3%」 is a change
    now, measured from it, and the B of 「由试点前的360千瓦增加到2350千瓦」 is what the
    pilot reached (it was read as a baseline, and left out of the practice's 成效)."""
    found = [
        match.end()
        for cue in cues
        for match in re.finditer(rf"(?<!较)(?<!比)(?<!相比)(?<!与){re.escape(cue)}", sentence_before)
    ]
    return bool(found) and _REACHED.search(sentence_before, max(found)) is None


# 「…增加到」「…提高至」「…达到」: what follows is the value reached, not the one before.
_REACHED = re.compile(r"(?:到|至|达)[^，；。]{0,4}$|(?:到|至)(?:了)?$")


def _without_times(text: str) -> str:
    """Text without the time expressions that date it (较2023年 stays: it is meaning)."""
    patterns = _patterns()
    text = patterns.year_range.sub("", text)
    text = _unless_base(patterns.time, text)
    text = _unless_base(_MONTH_DAY, text)
    return _unless_base(patterns.time_word, text)


def _unless_base(pattern: re.Pattern[str], text: str) -> str:
    base_marks = _words()["base_marks"]
    return pattern.sub(lambda match: match.group(0) if text[: match.start()].endswith(base_marks) else "", text)


def _strip_start(text: str, entries: Iterable[str], keep: int = 2) -> str:
    """``text`` without a leading entry, if at least ``keep`` letters remain."""
    for entry in entries:
        if text.startswith(entry) and len(_WORDLIKE.findall(text[len(entry) :])) >= keep:
            return text[len(entry) :]
    return text


def _strip_end(text: str, entries: Iterable[str]) -> str:
    if text.endswith(_words()["kept_endings"]):
        return text
    for entry in entries:
        if text.endswith(entry) and len(text) > len(entry):
            return text[: -len(entry)]
    return text


def _trimmed(text: str) -> str:
    """Strip what surrounds a noun: connectives, subjects, empty verbs, times, 达到 …"""
    words = _words()
    previous = None
    while previous != text:
        previous = text
        text = text.strip(_EDGE_PUNCTUATION).lstrip("）)").rstrip("（(")
        for group in ("enumerators", "connectives", "empty_verbs", "time_edges", "time_starts", "bounds"):
            text = _strip_start(text, words[group])
        text = _strip_start(text, words["subjects"], keep=3)  # 全村排放 says more than 排放
        for group in ("level_words", "time_edges"):
            text = _strip_end(text, words[group])
    return text


def name_parts(raw: str) -> tuple[str, str]:
    """(noun, change) named by the text before a number, e.g. 「2024年园区单位工业增加值能耗
    同比下降」 -> (「单位工业增加值能耗」, 「同比下降」). Either may be ''."""
    text = _DIGIT_BRACKETS.sub("", _without_times(raw))
    text = _patterns().from_words.sub("", text)  # 「覆盖率由不足五成提高到」: the baseline has no number
    text = _trimmed(text)
    change = ""
    tail = _patterns().change_tail.search(text)
    if tail and not text[tail.start() :].startswith(_words()["not_comparisons"]):
        text, change = text[: tail.start()], text[tail.start() :]
    if re.search(r"\d", text):
        # 「学习11批次、」: what follows the last number's own (unlisted) unit.
        after = re.split(r"\d", text)[-1]
        joint = re.search(r"[、，,；;]", after)
        if joint:
            text = after[joint.end() :]
        else:  # 「自2023年11月投运以来累计…」 but not 「60岁以上老年人」, where the number is in the noun
            dated = re.match(r"[^\u3400-\u9fff“‘「]*(?:[年月日号](?:底|末|份)?)?", after)
            text = after[dated.end() :] if dated and (dated.end() or not after) else ""
    noun = _rewritten(_trimmed(text))
    if re.search(r"\d", noun) or not acceptable_name(noun):
        noun = ""
    return noun, change


def _rewritten(noun: str) -> str:
    for line in _words()["rewritten_endings"]:
        ending, replacement = line.split()
        if noun.endswith(ending):
            return noun[: -len(ending)] + replacement
    return noun


# What a date leaves before a verb once taken out: 「10月15日前完成160户」 -> 「前完成」, a
# name no better than 完成 (it made a 「前完成（半年，户）」 series on a pilot's page).
_DATE_TAIL = re.compile(r"^(?:之前|之后|以前|以后|前|后)")


def acceptable_name(name: str) -> bool:
    """A name that says what a figure measures (not a verb, a level word, a fragment)."""
    words = _words()
    return (
        len(_WORDLIKE.findall(name)) >= 2
        and len(name) <= MAX_NAME_CHARS
        and name not in words["refused_names"]
        and _DATE_TAIL.sub("", name) not in words["refused_names"]
        and name not in words["level_words"]
        and name not in words["changes"]
        and "由" not in name
        and not name.startswith(words["refused_starts"])
        and not name.startswith("的")
        and not name.endswith(("的", "到", "至"))
        and not name.endswith(words["bound_endings"])
        and name.count("“") == name.count("”")
    )


@dataclass(frozen=True)
class _Baseline:
    """The A of 「由A提高到B」, waiting for its B."""

    raw_name: str
    match: re.Match[str]
    time: str
    per: str


def _sentence_figures(sentence: str, context: _Context) -> list[Figure]:
    """Figures of one sentence; 「分别」 sentences (values paired by position) are skipped."""
    if "分别" in sentence:
        return []
    figures: list[Figure] = []
    times = _times(sentence)
    noun = ""  # the noun of the last figure, lent to 「…，较2023年下降3.9%」
    start = 0
    for boundary in [*_CLAUSE_END.finditer(sentence), None]:
        end = boundary.end() if boundary else len(sentence)
        if end > start:
            found, noun = _clause_figures(sentence, start, end, times, noun, context)
            if figures and sentence[start:end].lstrip().startswith(_words()["part_openers"]):
                # 「累计完成投资3120万元，其中争取资金1520万元」: a part has its whole's span.
                whole = figures[-1]
                found = [replace(f, period=whole.period, year=whole.year, period_kind=whole.period_kind) for f in found]
            figures.extend(found)
        start = end
    return figures


def _unit(match: re.Match[str], per: str | None = None) -> str:
    if match["per"]:
        return f"{match['unit']}/{match['per']}"
    return f"{match['unit']}/{per}" if per else match["unit"]


def _clause_figures(
    sentence: str, start: int, end: int, times: list[re.Match[str]], noun: str, context: _Context
) -> tuple[list[Figure], str]:
    clause = sentence[start:end]
    if any(cue in clause for cue in _words()["forward_cues"]):
        return [], ""
    patterns = _patterns()
    figures: list[Figure] = []
    position = 0
    last_name = ""
    baseline: _Baseline | None = None
    for match in patterns.figure.finditer(clause):
        prefix = clause[position : match.start()]
        position = match.end()
        from_link = patterns.from_link.search(prefix)
        if from_link:
            baseline = _Baseline(prefix[: from_link.start()], match, from_link["time"] or "", from_link["per"] or "")
            continue
        if not _standalone(clause, match):
            baseline = None
            continue
        to_link = patterns.to_link.search(prefix) if baseline else None
        time = _time_before(times, start + match.start())
        if baseline and to_link:
            raw, unit = baseline.raw_name, _unit(match, baseline.per)
            if to_link["time"]:
                time = patterns.time.fullmatch(to_link["time"])
        else:
            per_prefix = patterns.per_prefix.search(prefix)
            raw = prefix[: per_prefix.start()] if per_prefix else prefix
            unit = _unit(match, per_prefix["per"] if per_prefix else None)
        own_noun, change = name_parts(raw)
        if prefix.strip() == "/" and last_name:
            name = last_name
        elif own_noun:
            name, noun = own_noun + change, own_noun
        elif change and noun:
            name = noun + change
        else:
            baseline, noun = None, ""
            continue
        name, unit = _per_from_name(name, unit)
        if prefix.startswith("、") and last_name:  # 「减少原料煤消耗0.6万吨、二氧化碳排放0.95万吨」
            verb = next((verb for verb in _words()["shared_verbs"] if last_name.startswith(verb)), "")
            if verb and not name.startswith(verb):
                name = verb + name
        if baseline and to_link and baseline.time:
            base_time = patterns.time.fullmatch(baseline.time)
            base_unit = _unit(baseline.match, baseline.per)
            base = _span(base_time, context)
            base = Span(BASELINE, str(base.year)) if base else None
            figures.append(_sentence_figure(name, baseline.match, base_unit, sentence, base, context.pilot_id))
        baseline = None
        last_name = name
        before = sentence[: start + match.start()]
        span = _figure_span(before, clause[: match.start()], name, time, context)
        figures.append(_sentence_figure(name, match, unit, sentence, span, context.pilot_id))
        if time is None or time.start() < start:  # no time of its own clause
            context.guessed.add(id(figures[-1]))
    return figures, noun


def _per_from_name(name: str, unit: str) -> tuple[str, str]:
    """A name that says "per ton" gives the unit its "/吨": 「吨熟料余热发电量30千瓦时」 is
    30 千瓦时/吨, 「每吨运输成本35元」 is 运输成本 35 元/吨."""
    if "/" in unit:
        return name, unit
    per = _alternatives(data_sections(UNITS_FILE)["per"])
    each = re.match(rf"每({per})(?=[\u4e00-\u9fff]{{2}})", name)
    if each:
        return name[each.end() :], f"{unit}/{each[1]}"
    if re.match(r"吨(?!位|数)[\u4e00-\u9fff]{2}", name):
        return name, f"{unit}/吨"
    return name, unit


def _sentence_figure(
    name: str, match: re.Match[str], unit: str, sentence: str, span: Span | None, pilot_id: str
) -> Figure:
    value = float(match["number"].replace(",", ""))
    return _figure(name, value, unit, match.group(0), sentence, span, pilot_id)
