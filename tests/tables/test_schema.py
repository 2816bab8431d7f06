"""The canonical schema is the one list of tables and columns (issue 9)."""

import pytest

from kpitools.datasets import simulate
from kpitools.tables import columns, schema


def test_one_column_list_in_one_place():
    # 0.1 had two lists that disagreed (tickets.converted, customers.team, "availability")
    assert simulate.TABLE_COLUMNS is schema.TABLE_COLUMNS
    assert columns.TABLE_COLUMNS is schema.TABLE_COLUMNS
    for name, table in schema.SCHEMA.items():
        assert schema.TABLE_COLUMNS[name] == tuple(c.name for c in table.columns)
        assert set(simulate.SIMULATED_COLUMNS[name]) <= set(table.names)


def test_the_columns_both_old_lists_had_are_in_it():
    assert "converted" in schema.TABLE_COLUMNS["tickets"]
    assert "team" in schema.TABLE_COLUMNS["customers"]


def test_availability_is_an_alias_of_agent_availability():
    assert columns.resolve_columns("availability") == columns.resolve_columns(
        "agent_availability")
    with pytest.raises(ValueError, match="table='availabilities' is not valid; choose one of"):
        columns.resolve_columns("availabilities")


def test_every_column_has_a_type_a_role_and_scores_a_scale():
    for table in schema.SCHEMA.values():
        for col in table.columns:
            assert col.type in schema.COLUMN_TYPES
            assert col.role
            if col.scale is not None:
                assert col.type == "number" and col.scale[0] < col.scale[1]
        for group in table.one_of:
            assert set(group) <= set(table.names)


def test_an_unknown_column_type_is_refused():
    with pytest.raises(ValueError, match="column 'x': type='text' is not valid"):
        schema.Column("x", "text", "a column")  # type: ignore[arg-type]


def test_column_lookup_names_the_valid_columns():
    with pytest.raises(KeyError, match="'score' is not a column of the surveys table"):
        schema.SCHEMA["surveys"].column("score")
