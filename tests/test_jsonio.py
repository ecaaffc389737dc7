"""kroniek.jsonio.loads reads everything json.loads reads, to the same values."""

from __future__ import annotations

import json
import math

import pytest

from kroniek import jsonio


@pytest.mark.parametrize("value", [
    {"centroid": {"almaty": 0.1234567890123, "protest": 1e-05, "leger": 1e+16}, "count": 3, "title": "Onrust"},
    [{"mention_id": "m1", "text": "zeker acht doden", "accents": "Tokajev één ‘citaat’ \u2028"}, None, True],
    {"nested": [[1, 2.5, -3], {"a": {"b": {"c": []}}}], "empty": {}},
])
def test_loads_gives_what_json_loads_gives(value: object) -> None:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert jsonio.loads(text) == json.loads(text)
    assert jsonio.loads(text.encode("utf-8")) == value


def test_text_orjson_refuses_is_still_read() -> None:
    text = json.dumps({"best": float("nan"), "high": float("inf"), "big": 2 ** 70})  # NaN, Infinity: not JSON
    parsed = jsonio.loads(text)
    assert math.isnan(parsed["best"]) and parsed["high"] == math.inf and parsed["big"] == 2 ** 70


def test_invalid_json_still_raises() -> None:
    with pytest.raises(ValueError):
        jsonio.loads('{"kind": "killed",')
