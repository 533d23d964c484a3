"""JSON columns are read by orjson, or by the standard library where orjson refuses what the
standard library wrote: every value reads back as the standard library reads it."""

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from webapp.database import stored_json

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(VALUES)
def test_a_stored_value_reads_back_as_the_standard_library_reads_it(value):
    text = json.dumps(value)
    assert stored_json(text) == json.loads(text)


def test_nan_and_infinity_the_standard_library_writes_read_back():
    read = stored_json(json.dumps({"auc": math.nan, "ratio": [math.inf, -math.inf]}))
    assert math.isnan(read["auc"]) and read["ratio"] == [math.inf, -math.inf]
