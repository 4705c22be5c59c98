"""Targets and programme progress as the API returns them (index/progress.py builds them)."""

from __future__ import annotations

from api.presenters import anchor_of
from api.progress_schemas import (
    CitedSourceOut,
    ComparisonOut,
    ComparisonRowOut,
    CreditOut,
    MatrixCellOut,
    MatrixRowOut,
    PilotReportingOut,
    ProgressOut,
    ReadingOut,
    ReportSlotOut,
    TargetOut,
    UnreadTargetOut,
)
from index import KnowledgeBase
from index.progress import Source, TargetRecord
from index.target_status import Reading, when


def source_out(source: Source) -> CitedSourceOut:
    return CitedSourceOut(
        doc_id=source.doc_id,
        title=source.title,
        doc_type=source.doc_type,
        period=source.period,
        heading_path=source.heading_path,
        anchor=anchor_of(source.heading_path),
        chunk_id=source.chunk_id,
        sentence=source.sentence,
    )


def reading_out(reading: Reading) -> ReadingOut:
    return ReadingOut(
        name=reading.name,
        value=reading.value,
        unit=reading.unit,
        period=reading.period,
        period_kind=reading.period_kind,
        when=when(reading),
        doc_id=reading.doc_id,
    )


def target_out(record: TargetRecord) -> TargetOut:
    target, judgement = record.target, record.judgement
    return TargetOut(
        target_id=record.target_id,
        pilot_id=record.pilot_id,
        pilot=record.pilot,
        pilot_type=record.pilot_type,
        indicator=target.indicator,
        value=target.value,
        unit=target.unit,
        year=target.year,
        form=target.form,
        direction=target.direction,
        baseline_value=target.baseline_value,
        baseline_year=target.baseline_year,
        text=target.text,
        family=record.family,
        status=judgement.status,
        reason=judgement.reason,
        expected=None if judgement.expected is None else round(judgement.expected, 4),
        target_source=source_out(record.target_source),
        latest=reading_out(judgement.reading) if judgement.reading else None,
        latest_source=source_out(record.latest_source) if record.latest_source else None,
        readings=[reading_out(reading) for reading in record.readings],
        credited=[
            CreditOut(
                practice_id=credit.practice_id,
                title=credit.title,
                doc_id=credit.doc_id,
                heading_path=credit.heading_path,
                anchor=anchor_of(credit.heading_path),
            )
            for credit in record.credited
        ],
    )


def pilot_targets(kb: KnowledgeBase, pilot_id: str) -> list[TargetOut]:
    return [target_out(record) for record in kb.progress.of_pilot(pilot_id)]


def progress_out(kb: KnowledgeBase, pilot_type: str | None = None) -> ProgressOut:
    pilots = [pilot for pilot in kb.pilots() if pilot_type is None or pilot["pilot_type"] == pilot_type]
    progress = kb.progress
    chosen = {pilot["pilot_id"] for pilot in pilots}
    records = [record for record in progress.targets if record.pilot_id in chosen]
    periods, reporting = progress.reporting(pilots)
    columns, matrix = progress.matrix(pilots)
    return ProgressOut(
        periods=periods,
        reporting=[
            PilotReportingOut(
                pilot_id=item.pilot_id,
                pilot=item.pilot,
                pilot_type=item.pilot_type,
                slots=[ReportSlotOut(period=s.period, doc_id=s.doc_id, title=s.title) for s in item.slots],
                missing=item.missing,
                outside_plan=[
                    ReportSlotOut(period=s.period, doc_id=s.doc_id, title=s.title) for s in item.outside_plan
                ],
            )
            for item in reporting
        ],
        status_counts=progress.status_counts(records),
        matrix_columns=columns,
        matrix=[
            MatrixRowOut(
                pilot_id=row["pilot"]["pilot_id"],
                pilot=row["pilot"]["pilot"],
                pilot_type=row["pilot"]["pilot_type"],
                counts=row["counts"],
                cells={
                    column: [
                        MatrixCellOut(
                            target_id=r.target_id, indicator=r.target.indicator, year=r.target.year, status=r.status
                        )
                        for r in cell
                    ]
                    for column, cell in row["cells"].items()
                },
            )
            for row in matrix
        ],
        comparisons=[
            ComparisonOut(
                title=comparison.title,
                unit=comparison.unit,
                form=comparison.form,
                rows=[
                    ComparisonRowOut(
                        pilot_id=row.pilot_id,
                        pilot=row.pilot,
                        pilot_type=row.pilot_type,
                        indicator=row.indicator,
                        value=row.value,
                        unit=row.unit,
                        when=row.when,
                        target_value=row.target_value,
                        target_year=row.target_year,
                        status=row.status,
                        target_id=row.target_id,
                        source=source_out(row.source),
                    )
                    for row in comparison.rows
                    if row.pilot_id in chosen
                ],
            )
            for comparison in progress.comparisons()
        ],
        targets=[target_out(record) for record in records],
        unread=[UnreadTargetOut(doc_id=doc_id, sentence=sentence) for doc_id, sentence in progress.unread],
    )
