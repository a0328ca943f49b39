"""nnbook/layers/attention/mixers.py: a TransformerBlock with chapter 31's mixer refuses the
softmax options a state has no use for, and names itself in its errors."""

import pytest

import nnbook as nb


@pytest.mark.parametrize("mixer", ["linear", "delta"])
@pytest.mark.parametrize("option", [{"window": 4}, {"n_kv_heads": 2}, {"rope": True},
                                    {"causal": False}, {"tile": 4}, {"rope_base": 500.0},
                                    {"rope_base": 10000.0}])
def test_a_block_refuses_options_a_state_has_no_use_for(mixer, option):
    name = next(iter(option))
    with pytest.raises(ValueError, match=rf"TransformerBlock\(mixer='{mixer}'\): .*got "
                                         rf"{name}=.*Drop {name}"):
        nb.TransformerBlock.modern(8, 4, mixer=mixer, **option)
    block = nb.TransformerBlock.modern(8, 4, mixer=mixer)          # the defaults: none asked
    assert not block.rope and block.n_kv_heads == 4 and block.causal
    nb.TransformerBlock.modern(8, 4, mixer=mixer, n_kv_heads=4)    # one K/V per head: fine


@pytest.mark.parametrize("mixer", ["linear", "delta"])
def test_a_block_names_itself_when_the_heads_do_not_divide(mixer):
    with pytest.raises(ValueError, match=rf"^TransformerBlock\(mixer='{mixer}'\): d_model=6 "
                                         r"is not divisible by n_heads=4"):
        nb.TransformerBlock.modern(6, 4, mixer=mixer)


@pytest.mark.parametrize("mixer", ["linear", "delta"])
@pytest.mark.parametrize("name, value", [("window", 4), ("tile", 4), ("rope_base", 500.0)])
def test_a_block_refuses_a_softmax_option_set_after_it_is_built(mixer, name, value):
    block = nb.TransformerBlock.modern(8, 4, mixer=mixer)
    assert getattr(block, name) is None and getattr(block.attn, name) is None
    with pytest.raises(ValueError, match=rf"^TransformerBlock\(8, 4 heads.*mixer='{mixer}'.*\): "
                                         rf"a state has no .*got {name}={value!r}\. Leave "
                                         rf"{name} None"):
        setattr(block, name, value)
    with pytest.raises(ValueError, match=rf"^(LinearAttention|DeltaNet)\(8, 4 heads\): a "
                                         rf"state has no"):
        setattr(block.attn, name, value)
    setattr(block, name, None)                                     # None: nothing asked
    assert getattr(block.attn, name) is None


def test_a_softmax_block_keeps_its_rope_base():
    assert nb.TransformerBlock.modern(8, 4).rope_base == 10000.0   # None: RoPE's 10000
    block = nb.TransformerBlock.modern(8, 4, rope_base=500.0)
    assert block.rope_base == block.attn.rope_base == 500.0
    assert block.get_config()["rope_base"] == 500.0
