"""Chapter 20's layers against PyTorch on equal weights, in float64 and float32: RMSNorm ↔
torch.nn.RMSNorm, SiLU ↔ F.silu, SwiGLU and RoPE ↔ references written here, grouped-query
attention ↔ F.scaled_dot_product_attention(..., enable_gqa=True), the modern block (also
with chapter 31's mixers: every mixer a block takes goes to torch with equal outputs) and a
tied model ↔ to_torch's modules, AdamW ↔ torch.optim.AdamW step for step, chapter 33's
mixture of experts ↔ a loop over experts written here: the forward, ∂E/∂x and every
parameter gradient. Then a course model continues training in PyTorch. Skipped
without torch (CI's torch job runs it)."""

import numpy as np
import pytest

import nnbook as nb

torch = pytest.importorskip("torch")
F = torch.nn.functional

TOL = {np.float64: 1e-10, np.float32: 2e-5}
DTYPES = [np.float64, np.float32]
TORCH = {np.float64: torch.float64, np.float32: torch.float32}


def close(ours, theirs, dtype, zero=False):
    """Equal to the dtype's tolerance. ``zero``: a gradient that is exactly 0 in theory (the
    key bias without RoPE), which nnbook gives as 0 and PyTorch as round-off."""
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype == dtype
    if zero:
        assert not ours.any() and np.abs(theirs).max() < 10 * TOL[dtype]
        return
    err = nb.relative_error(ours, theirs)
    assert err < TOL[dtype], err


def randomised(layer, seed, scale=0.4):
    rng = np.random.default_rng(seed)
    for p in layer.params.values():
        p += scale * rng.standard_normal(p.shape).astype(p.dtype)
    return layer


def check(layer, x, reference, dtype):
    """Forward and backward of ``layer`` against ``reference(x_tensor, params) -> y``, whose
    params are tensors named as nnbook's: y, ∂E/∂x and every ∂E/∂param."""
    dy = np.random.default_rng(99).standard_normal(layer.forward(x).shape).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    pt = {k: torch.tensor(v, requires_grad=True) for k, v in layer.params.items()}
    yt = reference(xt, pt)
    close(layer.forward(x), yt, dtype)
    yt.backward(torch.tensor(dy))
    close(layer.backward(dy), xt.grad, dtype)
    for k in layer.params:
        close(layer.grads[k], pt[k].grad, dtype, zero=k.endswith("b_k") and not layer.rope)


def data(dtype, shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_rmsnorm_against_torch(dtype):
    layer = randomised(nb.RMSNorm(6, eps=1e-5, dtype=dtype), 1)
    ref = torch.nn.RMSNorm(6, eps=1e-5, dtype=TORCH[dtype])
    check(layer, data(dtype, (3, 4, 6)), lambda x, p: F.rms_norm(x, (6,), p["gamma"], eps=1e-5),
          dtype)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(layer.params["gamma"]))
    x = data(dtype, (3, 4, 6), 1)
    close(layer.forward(x), ref(torch.tensor(x)), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_silu_against_torch(dtype):
    check(nb.SiLU(), 3 * data(dtype, (4, 5)), lambda x, p: F.silu(x), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_swiglu_against_a_reference(dtype):
    layer = randomised(nb.SwiGLU(6, 10, rng=np.random.default_rng(2), dtype=dtype), 3)
    check(layer, data(dtype, (3, 5, 6)),
          lambda x, p: (F.silu(x @ p["W_1"]) * (x @ p["W_3"])) @ p["W_2"], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_swiglu_of_chapter_20_against_its_torch_module(dtype):
    """Chapter 20's SwiGLU (d = 48, d_ff = 128) and the module to_torch builds for it (three
    nn.Linear without bias): the output, ∂E/∂x and ∂E/∂W_1, W_3, W_2 under autograd."""
    layer = nb.SwiGLU(48, 128, rng=np.random.default_rng(20), dtype=dtype)
    x = data(dtype, (2, 3, 48), 5)
    dy = data(dtype, (2, 3, 48), 6)
    module = nb.to_torch(nb.Sequential([layer]))[0]
    assert type(module).__name__ == "SwiGLU"
    xt = torch.tensor(x, requires_grad=True)
    yt = module(xt)
    close(layer.forward(x), yt, dtype)
    yt.backward(torch.tensor(dy))
    close(layer.backward(dy), xt.grad, dtype)
    for name, lin in (("W_1", module.w1), ("W_3", module.w3), ("W_2", module.w2)):
        close(layer.grads[name], lin.weight.grad.T, dtype)


def rope_reference(x, base=10000.0):
    """(m, h, T, dh): each pair as a complex number, times e^{iθ}."""
    T, dh = x.shape[-2], x.shape[-1]
    theta = torch.outer(torch.arange(T, dtype=torch.float64),
                        1.0 / base ** (torch.arange(0, dh, 2, dtype=torch.float64) / dh))
    turn = torch.polar(torch.ones_like(theta), theta)
    z = torch.view_as_complex(x.double().reshape(*x.shape[:-1], dh // 2, 2).contiguous())
    return torch.view_as_real(z * turn).reshape(x.shape).to(x.dtype)


def attention_reference(heads, kv, causal, rope, bias, base=10000.0):
    def ref(x, p):
        m, T, d = x.shape
        dh = d // heads

        def proj(n, h):
            y = x @ p[f"W_{n}"] + (p[f"b_{n}"] if bias else 0)
            return y.reshape(m, T, h, dh).transpose(1, 2)
        q, k, v = proj("q", heads), proj("k", kv), proj("v", kv)
        if rope:
            q, k = rope_reference(q, base), rope_reference(k, base)
        o = F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)
        return o.transpose(1, 2).reshape(m, T, d) @ p["W_o"] + (p["b_o"] if bias else 0)
    return ref


CASES = [(4, 2, True, True, True), (4, 1, True, False, False), (4, 4, False, True, False),
         (2, 2, True, False, True), (6, 3, False, True, True)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("heads, kv, causal, rope, bias", CASES)
def test_gqa_and_rope_attention_against_sdpa(dtype, heads, kv, causal, rope, bias):
    layer = randomised(nb.MultiHeadAttention(heads * 4, heads, n_kv_heads=kv, causal=causal,
                                             rope=rope, rope_base=500.0, bias=bias,
                                             rng=np.random.default_rng(4), dtype=dtype), 5)
    check(layer, data(dtype, (3, 7, heads * 4)),
          attention_reference(heads, kv, causal, rope, bias, 500.0), dtype)


def test_rope_references_agree():
    from nnbook.torch_bridge._modules_modern import rope
    x = torch.randn(2, 3, 9, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(rope(x, 100.0), rope_reference(x, 100.0), atol=1e-14)


def bridge_parity(model, x, dtype, torch_input=None):
    """nnbook's model and to_torch's on the same batch: outputs, ∂E/∂x (float inputs) and
    every parameter gradient, matched by position (to_torch keeps the order)."""
    tm = nb.to_torch(model)
    dy = np.random.default_rng(98).standard_normal(model.forward(x).shape).astype(dtype)
    xt = torch.tensor(x, requires_grad=x.dtype.kind == "f") if torch_input is None else torch_input
    yt = tm(xt)
    close(model.forward(x, training=True), yt, dtype)
    yt.backward(torch.tensor(dy))
    dx = model.backward(dy)
    if x.dtype.kind == "f":
        close(dx, xt.grad, dtype)
    return tm


def torch_grads_by_name(tm):
    return {n: p.grad.numpy() for n, p in tm.named_parameters()}


BLOCKS = [dict(norm="rmsnorm", ffn="swiglu", rope=True, n_kv_heads=2, bias=False),
          dict(prenorm=False), dict(prenorm=False, norm="rmsnorm", ffn="swiglu", n_kv_heads=1),
          dict(bias=False, rope=True), dict(norm="none"),
          dict(norm="none", prenorm=False, ffn="swiglu", rope=True, n_kv_heads=2),
          # chapter 28's bidirectional block: chapter 20's without the causal mask
          dict(norm="rmsnorm", ffn="swiglu", rope=True, n_kv_heads=2, bias=False, causal=False),
          # chapter 31's mixers (issue 82: to_torch built softmax attention for them)
          dict(mixer="linear"), dict(mixer="delta"),
          dict(mixer="delta", norm="rmsnorm", ffn="swiglu", bias=False),
          dict(mixer="linear", norm="rmsnorm", ffn="swiglu", prenorm=False)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("settings", BLOCKS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
def test_the_modern_block_against_torch(dtype, settings):
    block = randomised(nb.TransformerBlock(8, 4, 12, rng=np.random.default_rng(6), dtype=dtype,
                                           **settings), 7, 0.2)
    model = nb.Sequential([block])
    tm = bridge_parity(model, data(dtype, (3, 6, 8)), dtype)
    g = torch_grads_by_name(tm)
    names = {"ln1.gamma": "norm1.weight", "ln1.beta": "norm1.bias", "ln2.gamma": "norm2.weight",
             "ln2.beta": "norm2.bias", "W_1": "ffn.w1.weight", "W_3": "ffn.w3.weight",
             "W_2": "ffn.w2.weight"}
    if block.ffn_kind == "relu":
        names.update({"W_1": "ffn.0.weight", "b_1": "ffn.0.bias", "W_2": "ffn.2.weight",
                      "b_2": "ffn.2.bias"})
    names.update({f"attn.{w}_{n}": f"attn.{n}.{'weight' if w == 'W' else 'bias'}"
                  for n in ("q", "k", "v", "o", "beta") for w in "Wb"})
    for k, grad in block.grads.items():
        theirs = g[f"0.{names[k]}"]
        close(grad, theirs.T if k.split(".")[-1].startswith("W") else theirs, dtype,
              zero=k == "attn.b_k" and not block.rope)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_tied_model_has_the_summed_gradient_in_torch_too(dtype):
    rng = np.random.default_rng(8)
    emb = nb.Embedding(11, 8, rng=rng, dtype=dtype)
    model = nb.Sequential([emb, nb.TransformerBlock(8, 4, 12, norm="rmsnorm", ffn="swiglu",
                                                    rope=True, n_kv_heads=2, bias=False,
                                                    rng=rng, dtype=dtype),
                           nb.Unembedding(emb)])
    ids = rng.integers(0, 11, (3, 6))
    tm = bridge_parity(model, ids, dtype, torch_input=torch.tensor(ids))
    assert tm[2].weight is tm[0].weight
    assert sum(1 for _ in tm.parameters()) == len(model.params)
    close(emb.grads["W"], tm[0].weight.grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_adamw_step_for_step(dtype):
    rng = np.random.default_rng(9)
    w = rng.standard_normal((4, 3)).astype(dtype)
    wt = torch.tensor(w.copy(), requires_grad=True)
    ours = nb.AdamW(lr=0.05, beta1=0.8, beta2=0.95, eps=1e-6, weight_decay=0.3)
    theirs = torch.optim.AdamW([wt], lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.3)
    for step in range(6):
        g = rng.standard_normal(w.shape).astype(dtype)
        ours.step([(w, g)])
        wt.grad = torch.tensor(g)
        theirs.step()
        close(w, wt.detach(), dtype)


def test_a_course_model_continues_training_in_torch():
    rng = np.random.default_rng(10)
    emb = nb.Embedding(13, 8, rng=rng)
    model = nb.Sequential([emb, nb.TransformerBlock(8, 4, 16, norm="rmsnorm", ffn="swiglu",
                                                    rope=True, n_kv_heads=2, bias=False, rng=rng),
                           nb.Unembedding(emb)])
    model.compile(nb.AdamW(lr=0.01), nb.CrossEntropy(from_logits=True))
    ids = rng.integers(0, 13, (8, 7))
    x, y = ids[:, :-1], ids[:, 1:]
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, rng=np.random.default_rng(0))
    tm = nb.to_torch(model)
    opt = torch.optim.AdamW(tm.parameters(), lr=0.01)
    for _ in range(3):                                     # PyTorch takes over: one batch
        opt.zero_grad()
        F.cross_entropy(tm(torch.tensor(x)).reshape(-1, 13), torch.tensor(y).reshape(-1)).backward()
        opt.step()
    model.compile(nb.AdamW(lr=0.01), nb.CrossEntropy(from_logits=True))   # a fresh AdamW too
    for _ in range(3):
        model.train_step(*_batch(model, x, y))
    close(model.layers[0].params["W"], tm[0].weight.detach(), np.float64)
    back = nb.from_torch(tm)
    assert back.layers[2].embedding is back.layers[0]
    np.testing.assert_allclose(back.predict(x), model.predict(x), atol=1e-9)


def _batch(model, x, y):
    from nnbook.training.inputs import prepare_xy
    return prepare_xy(model, x, y, "fit")


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_new_layer_goes_to_torch_and_back(dtype):
    rng = np.random.default_rng(11)
    emb = nb.Embedding(11, 8, rng=rng, dtype=dtype)
    layers = [emb, nb.MultiHeadAttention(8, 4, n_kv_heads=1, rope=True, causal=True, rng=rng,
                                         dtype=dtype),
              nb.MultiHeadAttention(8, 2, bias=False, rng=rng, dtype=dtype),
              nb.TransformerBlock(8, 2, 12, norm="rmsnorm", prenorm=False, rng=rng, dtype=dtype),
              nb.TransformerBlock(8, 2, 12, rng=rng, dtype=dtype),      # chapter 18's: EncoderBlock
              nb.TransformerBlock(8, 2, 12, norm="none", ffn="swiglu", rng=rng, dtype=dtype),
              nb.RMSNorm(8, dtype=dtype), nb.SwiGLU(8, 5, rng=rng, dtype=dtype), nb.SiLU(),
              nb.LinearAttention(8, 2, form="chunked", chunk=3, rng=rng, dtype=dtype),
              nb.DeltaNet(8, 2, rng=rng, dtype=dtype),
              nb.TransformerBlock(8, 2, 12, mixer="linear", rng=rng, dtype=dtype),
              nb.TransformerBlock.modern(8, 2, mixer="delta", rng=rng, dtype=dtype),
              nb.Unembedding(emb)]
    model = nb.Sequential([randomised(layer, i, 0.1) for i, layer in enumerate(layers)])
    ids = rng.integers(0, 11, (2, 6))
    tm = nb.to_torch(model)
    kinds = [type(m).__name__ for m in tm]
    assert kinds == ["Embedding", "ModernAttention", "ModernAttention", "ModernBlock",
                     "EncoderBlock", "ModernBlock", "RMSNorm", "SwiGLU", "SiLU",
                     "LinearAttention", "DeltaNet", "ModernBlock", "ModernBlock", "Unembedding"]
    assert [type(tm[i].attn).__name__ for i in (11, 12)] == ["LinearAttention", "DeltaNet"]
    with torch.no_grad():
        close(model.predict(ids), tm(torch.tensor(ids)), dtype)
    back = nb.from_torch(tm)
    assert [type(layer) for layer in back.layers] == [type(layer) for layer in model.layers]
    assert [layer.get_config() for layer in back.layers[1:-1]] == \
        [layer.get_config() for layer in model.layers[1:-1]]
    assert back.layers[-1].embedding is back.layers[0]
    np.testing.assert_array_equal(back.predict(ids), model.predict(ids))


def test_an_unembedding_without_its_embedding_does_not_go_to_torch():
    emb = nb.Embedding(5, 3, rng=np.random.default_rng(0))
    model = nb.Sequential([emb, nb.Unembedding(emb)])      # the model refuses it when built:
    model.layers[0] = nb.Embedding(5, 3, rng=np.random.default_rng(1))   # changed directly
    with pytest.raises(ValueError, match=r"to_torch: layer 1 Unembedding\(3 → 5, tied\) is tied "
                                         r"to an Embedding that is not an earlier layer"):
        nb.to_torch(model)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 5, dtype=torch.float64),
                             nb.torch_bridge._modules.Unembedding(
                                 torch.nn.Embedding(4, 5, dtype=torch.float64)))
    with pytest.raises(ValueError, match=r"from_torch: module 1 .* shares its weight with no "
                                         r"earlier nn.Embedding"):
        nb.from_torch(tm)


def test_a_block_with_its_own_rope_base_goes_to_torch_and_back():
    """A block's rope_base (now a constructor argument) survives both ways."""
    rng = np.random.default_rng(11)
    block = nb.TransformerBlock(8, 2, 16, rope=True, rope_base=500.0, rng=rng)
    model = nb.Sequential([block])
    x = rng.normal(size=(2, 5, 8))
    tm = nb.to_torch(model)
    back = nb.from_torch(tm)
    assert back.layers[0].rope_base == 500.0
    np.testing.assert_allclose(back.predict(x), model.predict(x), atol=1e-12)


@pytest.mark.parametrize("mixer", ["softmax", *nb.layers.attention.mixers.MIXERS])
@pytest.mark.parametrize("modern", [False, True], ids=["chapter18", "chapter20"])
def test_to_torch_gives_equal_outputs_for_every_mixer(mixer, modern):
    """Issue 82: a block with mixer="linear" or "delta" went to PyTorch as softmax attention
    (outputs 0.2 apart). Every mixer a block takes, in chapter 18's and 20's block, in a
    language model: equal logits in PyTorch, and back."""
    rng = np.random.default_rng(12)
    emb = nb.Embedding(11, 8, rng=rng)
    block = (nb.TransformerBlock.modern(8, 2, mixer=mixer, rng=rng) if modern else
             nb.TransformerBlock(8, 2, 12, mixer=mixer, rng=rng))
    model = nb.Sequential([emb, randomised(block, 13, 0.2), nb.RMSNorm(8),
                           nb.Unembedding(emb)])
    ids = rng.integers(0, 11, (3, 9))
    tm = nb.to_torch(model)
    with torch.no_grad():
        close(model.predict(ids), tm(torch.tensor(ids)), np.float64)
    back = nb.from_torch(tm)
    assert back.layers[1].get_config() == block.get_config()
    np.testing.assert_array_equal(back.predict(ids), model.predict(ids))


# chapter 33: a mixture of experts against a loop over experts in torch ---------------------------
def experts_in_torch(x, p, layer, bias):
    """``(y, aux)``: torch's topk of p + bias (no ties in random data), the chosen
    probabilities renormalised, a loop over the experts (each SwiGLU on its tokens), the
    shared expert added; Switch's E·Σ f P with f (the choices' shares) a constant."""
    E, k, d = layer.n_experts, layer.k, layer.d_model
    X = x.reshape(-1, d)
    P = torch.softmax(X @ p["router.W"], dim=1)
    chosen = torch.topk(P + torch.tensor(bias), k, dim=1).indices
    w = torch.gather(P, 1, chosen)
    w = w / w.sum(dim=1, keepdim=True)
    y = torch.zeros_like(X)
    for e in range(E):
        t, j = torch.nonzero(chosen == e, as_tuple=True)
        W = {n: p[f"expert{e}.{n}"] for n in ("W_1", "W_3", "W_2")}
        y = y.index_add(0, t, w[t, j, None] * ((F.silu(X[t] @ W["W_1"]) * (X[t] @ W["W_3"]))
                                              @ W["W_2"]))
    if layer.shared_expert:
        y = y + (F.silu(X @ p["shared.W_1"]) * (X @ p["shared.W_3"])) @ p["shared.W_2"]
    f = torch.bincount(chosen.reshape(-1), minlength=E).to(X.dtype) / (k * len(X))
    return y.reshape(x.shape), E * (f * P.mean(dim=0)).sum()


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_mixture_of_experts_against_a_torch_loop(dtype):
    """E = 4, k = 2, a shared expert, a selection bias that changes some choices and
    λ = 0.1: the output, aux_loss, and ∂(Σ y ⊙ dy + λ·aux)/∂x and /∂ every parameter."""
    layer = randomised(nb.MixtureOfExperts(6, 8, 4, 2, shared_expert=True, aux_weight=0.1,
                                           rng=np.random.default_rng(12), dtype=dtype), 13)
    bias = np.array([0.0, 0.1, -0.05, 0.02], dtype=dtype)
    layer.buffers["expert_bias"][...] = bias
    x = data(dtype, (3, 5, 6), 7)
    y = layer.forward(x)
    dy = data(dtype, y.shape, 8)
    xt = torch.tensor(x, requires_grad=True)
    pt = {k: torch.tensor(v, requires_grad=True) for k, v in layer.params.items()}
    yt, aux = experts_in_torch(xt, pt, layer, bias)
    close(y, yt, dtype)
    assert abs(layer.aux_loss - aux.item()) < 10 * TOL[dtype]
    ((yt * torch.tensor(dy)).sum() + 0.1 * aux).backward()
    close(layer.backward(dy), xt.grad, dtype)
    for k in layer.params:
        close(layer.grads[k], pt[k].grad, dtype)
    assert (layer.chosen.reshape(-1, 2)[:, 0] != layer.probs.reshape(-1, 4).argmax(1)).any()


def test_a_block_of_experts_does_not_go_to_torch():
    """PyTorch has no mixture-of-experts module: refused by name, not a KeyError."""
    block = nb.TransformerBlock.modern(8, 2, ffn="moe", moe={"n_experts": 2},
                                       rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"to_torch: layer 0 TransformerBlock\(.*\) has a "
                                         r"mixture of experts \(ffn='moe', chapter 33\)"):
        nb.to_torch(nb.Sequential([block]))
