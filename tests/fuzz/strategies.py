"""Hypothesis strategies for the registry's own value formats: valid unified social credit codes."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import strategies as st

from credit import reference
from credit.uscc import ALPHABET, with_check_character

VECTORS = json.loads(
    (Path(__file__).parent.parent / "data" / "uscc_vectors.json").read_text(encoding="utf-8")
)


def valid_usccs(known: list[str] | tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """18-character codes with the right check character: mostly fresh ones in a region the
    registry knows (so a registration can succeed), some from the published vectors, and when
    given, codes of firms that exist (so reads reach a real file)."""
    fresh = st.builds(
        lambda kind, region, serial: with_check_character(kind + region + serial),
        st.text(ALPHABET, min_size=2, max_size=2),
        st.sampled_from(sorted(reference.regions())),
        st.text(ALPHABET, min_size=9, max_size=9),
    )
    choices = [fresh, st.sampled_from(VECTORS["valid"])]
    if known:
        choices.insert(0, st.sampled_from(list(known)))
    return st.one_of(*choices)
