"""Which figure of each pilot a comparison table shows (index/figure_tables.py), on
figures built by hand: no index needed."""

from __future__ import annotations

from index.figure_tables import PilotFigure, best_per_pilot, one_indicator, question_periods
from ingest.extracted import Figure


def _figure(pilot: str, value: float, period: str, kind: str, name: str = "绿氢产量") -> PilotFigure:
    figure = Figure(name, value, "吨", f"{value}吨", f"{name}{value}吨。", period=period, period_kind=kind)
    return PilotFigure(figure, f"{pilot}/report", pilot, pilot, "园区", relevance=1.0, name_coverage=1.0)


def test_a_full_year_comes_before_the_next_years_first_half():
    """「谁产的绿氢多」: 2025's totals, not 2026's half-years that a season can tilt."""
    rows = best_per_pilot(
        [
            _figure("a", 8580, "2025", "全年"),
            _figure("a", 5380, "2026H1", "半年"),
            _figure("b", 3920, "2025", "全年"),
            _figure("b", 2310, "2026H1", "半年"),
        ]
    )
    assert {(row.pilot_id, row.figure.period) for row in rows} == {("a", "2025"), ("b", "2025")}


def test_a_later_half_year_still_beats_an_older_full_year_and_a_named_period_wins():
    rows = best_per_pilot([_figure("a", 100, "2024", "全年"), _figure("a", 70, "2026H1", "半年")])
    assert [row.figure.period for row in rows] == ["2026H1"]
    asked = one_indicator(
        [_figure("a", 8580, "2025", "全年"), _figure("a", 5380, "2026H1", "半年"), _figure("b", 900, "2025H2", "半年")],
        question_periods("2026年上半年谁产的绿氢多"),
    )
    # 「2026年上半年」 keeps a's half-year; b, which has no figure for it, stays with what it has.
    assert {(item.pilot_id, item.figure.period) for item in asked} == {("a", "2026H1"), ("b", "2025H2")}


def test_year_end_names_the_second_half_year_and_the_year():
    assert question_periods("截至2025年底，哪个试点的储能装机最大") == {"2025H2", "2025"}
    assert question_periods("2026年上半年各发了多少电") == {"2026H1"}


def test_a_stock_up_to_a_later_date_beats_an_older_full_year_figure():
    """清洁取暖率 is a level: 「截至2026年6月底」 is newer than a 2025 figure, whatever its kind."""
    rows = best_per_pilot(
        [_figure("a", 94.6, "2025", "全年", "清洁取暖率"), _figure("a", 95.8, "2026H1", "累计", "清洁取暖率")]
    )
    assert [row.figure.period for row in rows] == ["2026H1"]
