"""Front matter validation names the field at fault."""

import pytest

from ingest.metadata import MetadataError, validate_metadata

VALID = {
    "title": "某园区碳达峰试点经验总结",
    "pilot": "某园区",
    "pilot_type": "园区",
    "region": "中卫市",
    "doc_type": "经验总结",
    "period": "2025H1",
    "fields": ["工业", "节能降碳增效"],
    "demo": True,
}


def test_valid_metadata_derives_year_and_defaults_pilot_id():
    meta = validate_metadata(VALID)
    assert meta.year == 2025 and meta.pilot_id == "某园区" and meta.fields == ("工业", "节能降碳增效")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pilot_type": "工厂"}, "pilot_type"),
        ({"doc_type": "会议纪要"}, "doc_type"),
        ({"title": ""}, "title"),
        ({"period": "2025上半年"}, "period"),
        ({"fields": ["航天"]}, "fields"),
        ({"date": "2025-13-01"}, "date"),
    ],
)
def test_invalid_values_name_their_field(change, field):
    with pytest.raises(MetadataError) as caught:
        validate_metadata({**VALID, **change})
    assert caught.value.field_name == field
    assert field in str(caught.value)


PROGRAMME = {"title": "关于报送碳达峰试点2025年上半年进展情况的通知", "scope": "自治区", "doc_type": "通知"}


def test_a_programme_document_has_a_scope_and_no_pilot():
    meta = validate_metadata(PROGRAMME)
    assert meta.programme and (meta.pilot, meta.pilot_id, meta.pilot_type) == ("", "", "")
    assert validate_metadata({**PROGRAMME, "scope": "地市", "region": "银川市"}).region == "银川市"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pilot_type": "园区"}, "pilot_type"),
        ({"pilot": "宁东清泉煤化工产业园"}, "pilot"),
        ({"pilot_id": "park-ningdong-qingquan"}, "pilot_id"),
        ({"region": "银川市"}, "region"),  # a region-wide notice names no city
        ({"doc_type": "进展报告"}, "doc_type"),
        ({"scope": "乡镇"}, "scope"),
    ],
)
def test_pilot_fields_contradicting_the_scope_are_refused_by_name(change, field):
    with pytest.raises(MetadataError) as caught:
        validate_metadata({**PROGRAMME, **change})
    assert caught.value.field_name == field
    assert field in str(caught.value)
