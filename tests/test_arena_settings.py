"""The arena's record of a counted model's settings (nnbook/arena/settings.py, chapter 37):
what it records and leaves out, and the doors it closes in ``CountedModel``: attention that
sees later positions, and settings changed after ``arena.model`` built the model."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.arena.baseline import modern_layers
from nnbook.arena.settings import settings
from test_arena_budget import _batch, _counted, _one_block


def test_the_record_holds_the_settings_and_not_what_a_step_writes():
    """Catches a record that misses a setting the count or the forward reads (d_ff, eps,
    causal, hidden_only), or one that holds what an honest step changes (the learning rate,
    the step count, a cache): the chapter's own recipes would be refused."""
    layers = _one_block(ffn="moe", moe={"n_experts": 4, "k": 1, "balance_rate": 0.01})
    opt = nb.Muon(fallback=nb.AdamW())
    made = dict(settings(layers, opt))
    for key in ("layer 1 (TransformerBlock).ffn.d_ff", "layer 2 (RMSNorm).eps",
                "layer 1 (TransformerBlock).attn.causal", "the optimizer.hidden_only",
                "the optimizer.fallback.weight_decay"):
        assert key in made, key
    assert not any(k.endswith((".lr", ".iterations")) for k in made)
    model = nb.Sequential(layers)
    model.compile(optimizer=opt, loss=nb.CrossEntropy(from_logits=True))
    x, y = _batch(16)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, rng=np.random.default_rng(0))
    opt.lr = 0.001
    assert dict(settings(layers, opt)) == made


def test_attention_that_sees_later_positions_is_refused():
    """A window's target at t is its input at t + 1: attention with causal=False reads its
    targets (a cold reading scored 0.16 against the baseline's 0.35 so). Catches such a
    model accepted when built (a block's causal=False, MultiHeadAttention's default), or a
    block made causal and flipped afterwards (refused at the next counted step)."""
    r = np.random.default_rng(0)
    emb = nb.Embedding(26, 32, rng=r)
    for made in (nb.TransformerBlock.modern(32, 4, causal=False, rng=r),
                 nb.MultiHeadAttention(32, 4, rng=r)):
        with pytest.raises(ValueError, match=r"causal=True"):
            _counted([emb, made, nb.RMSNorm(32), nb.Unembedding(emb)])
    model = _counted(modern_layers(np.random.default_rng(1)))
    x, y = _batch()
    model.train_step(x, y)
    model.layers[1].attn.causal = False
    with pytest.raises(ValueError, match=r"layer 1 \(TransformerBlock\)\.attn\.causal.*"
                                         r"causal=True"):
        model.train_step(x, y)


def test_settings_changed_after_the_model_was_built_are_refused():
    """The count reads an experts layer's d_ff, its forward the weights (d_ff = 1 after
    arena.model had a step counted at a third of its work), the scorer a norm's eps, the
    count Muon's hidden_only (its step keeps its first split), the forward the routing bias
    (a buffer). Catches any of them changed outside a counted step and accepted, at the next
    step or at the return (``check_untouched``); the learning rate stays the recipe's."""
    x, y = _batch()
    cases = [(lambda m: setattr(m.layers[1].ffn, "d_ff", 1), r"ffn\.d_ff is 1", nb.AdamW),
             (lambda m: setattr(m.layers[-2], "eps", 3.0), r"\(RMSNorm\)\.eps is 3\.0",
              nb.AdamW),
             (lambda m: setattr(m.optimizer, "hidden_only", True), r"hidden_only is True",
              nb.Muon),
             (lambda m: m.layers[1].ffn.buffers["expert_bias"].__setitem__(0, 5.0),
              r"buffers \(an experts layer's routing bias\)", nb.AdamW)]
    for change, message, optimizer in cases:
        for then in ("train_step", "check_untouched"):
            model = _counted(_one_block(ffn="moe", moe={"n_experts": 4, "k": 1,
                                                        "balance_rate": 0.01}), optimizer())
            model.train_step(x, y)
            model.optimizer.lr = 0.003                       # allowed: a schedule does it
            model.train_step(x, y)
            change(model)
            with pytest.raises(ValueError, match=message):
                getattr(model, then)(*((x, y) if then == "train_step" else ()))


@pytest.mark.parametrize("lr", [1e-320, float("inf"), -0.01, np.full(4, 0.01), "0.01", True,
                                np.float32(1e-45), 10**400])
def test_a_learning_rate_that_is_not_a_normal_number_is_refused(lr):
    """The sixteenth cold reading set ``optimizer.lr = 1e-320`` between two steps (``lr`` is
    the one number a recipe may change), so the update underflowed and NumPy's error
    callback ran inside the step; an array broadcasts into the update. Each is refused at
    the next counted step; 0 and ordinary rates pass (``check_rate``)."""
    from nnbook.arena.settings import check_rate
    opt = nb.AdamW(lr=0.01)
    check_rate(opt)
    opt.lr = 0.0
    check_rate(opt)
    opt.lr = lr
    with pytest.raises(ValueError, match="the optimizer's learning rate lr is"):
        check_rate(opt)
    muon = nb.Muon()
    muon.fallback.lr = lr
    with pytest.raises(ValueError, match="the optimizer's learning rate lr is"):
        check_rate(muon)
