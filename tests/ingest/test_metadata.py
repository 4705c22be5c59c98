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
        ({"doc_type": "通知"}, "doc_type"),
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
