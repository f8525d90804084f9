import json
from pathlib import Path

import pytest

from app.model.taxonomy import Taxonomy, load_taxonomy, taxonomy_from


def test_one_reading_of_a_taxonomy_document(tmp_path: Path) -> None:
    doc = {"intents": ["play_music", "shop_order"], "slot_types": ["item"]}
    assert taxonomy_from(doc) == Taxonomy(("play_music", "shop_order"), ("item",))
    assert taxonomy_from({"intents": ["play_music"]}).slot_types == ()  # none: older servers
    for bad in ([], {"intents": "play_music", "slot_types": []}, {"slot_types": "item"}):
        with pytest.raises(ValueError, match="taxonomy"):
            taxonomy_from(bad)
    twice = tmp_path / "earmark-taxonomy.json"
    twice.write_text(json.dumps({"intents": ["play_music", "play_music"], "slot_types": []}))
    with pytest.raises(ValueError, match="earmark-taxonomy.json: an intent is listed twice"):
        load_taxonomy(twice)
