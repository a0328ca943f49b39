"""The bridge's tables (nnbook/torch_bridge/mappings.py), without PyTorch: every class is
mapped by one map_*.py module only (chapter 20's attention and block with the rest of the
attention family), and two modules that claim one class are an error, not an order."""

import pytest

import nnbook as nb
from nnbook.torch_bridge import map_attention, mappings


@pytest.mark.parametrize("table", ["TO_TORCH", "FROM_TORCH"])
def test_each_class_has_one_map(table):
    claims = {}
    for family in mappings.MAPS:
        for key in getattr(family, table):
            claims.setdefault(key, []).append(family.__name__)
    shared = {getattr(k, "__name__", k): v for k, v in claims.items() if len(v) > 1}
    assert not shared, f"classes mapped by two modules: {shared}"
    assert set(getattr(mappings, table)) == set(claims)


def test_the_attention_family_is_one_module_both_ways():
    for kind in (nb.MultiHeadAttention, nb.TransformerBlock):
        assert mappings.TO_TORCH[kind] is map_attention.TO_TORCH[kind]
    for name in ("SelfAttention", "EncoderBlock", "ModernAttention", "ModernBlock"):
        assert mappings.FROM_TORCH[name] is map_attention.FROM_TORCH[name]


def test_two_modules_that_claim_one_class_are_refused():
    first, second = {nb.Dense: len}, {nb.ReLU: abs, nb.Dense: max}
    assert mappings.merged([("map_a", first), ("map_c", {nb.ReLU: abs})]) == {
        nb.Dense: len, nb.ReLU: abs}
    with pytest.raises(ValueError, match=r"torch_bridge: Dense is mapped by both map_a and "
                                         r"map_b; a class has one map"):
        mappings.merged([("map_a", first), ("map_b", second)])
    with pytest.raises(ValueError, match=r"ModernBlock is mapped by both map_a and map_b"):
        mappings.merged([("map_a", {"ModernBlock": len}), ("map_b", {"ModernBlock": len})])
