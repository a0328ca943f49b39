"""Chapters 17–18's layers against PyTorch on equal weights, in float64: Embedding ↔ nn.Embedding,
LayerNorm ↔ nn.LayerNorm, MultiHeadAttention ↔ nn.MultiheadAttention(batch_first=True) with and
without a causal mask, TransformerBlock ↔ nn.TransformerEncoderLayer(norm_first=True,
batch_first=True, dropout=0) with a causal mask: the forward, ∂E/∂x and every parameter
gradient to 1e-10 (relative). Then the bridge: to_torch gives equal outputs and from_torch
reads the modules back. Skipped without torch (CI's torch job runs it)."""

import numpy as np
import pytest

import nnbook as nb

torch = pytest.importorskip("torch")

TOL = 1e-10
D, HEADS, D_FF, T, M = 8, 2, 12, 6, 3


def close(ours, theirs):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert ours.shape == theirs.shape
    assert nb.relative_error(ours, theirs) < TOL, nb.relative_error(ours, theirs)


def randomised(layer, seed):
    rng = np.random.default_rng(seed)
    for p in layer.params.values():
        p += 0.4 * rng.standard_normal(p.shape)
    return layer


def mask(causal):
    return torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64) \
        if causal else None


def run_both(layer, module, x, call):
    """Forward and backward of both on the same x and ∂E/∂y; returns (∂E/∂x ours, x tensor)."""
    dy = np.random.default_rng(99).standard_normal(layer.forward(x).shape)
    xt = torch.tensor(x, requires_grad=x.dtype.kind == "f")
    yt = call(module, xt)
    close(layer.forward(x), yt)
    yt.backward(torch.tensor(dy))
    return layer.backward(dy), xt


def copy_attention(a, p):
    with torch.no_grad():
        a.in_proj_weight.copy_(torch.tensor(np.concatenate([p["W_q"].T, p["W_k"].T, p["W_v"].T])))
        a.in_proj_bias.copy_(torch.tensor(np.concatenate([p["b_q"], p["b_k"], p["b_v"]])))
        a.out_proj.weight.copy_(torch.tensor(p["W_o"].T))
        a.out_proj.bias.copy_(torch.tensor(p["b_o"]))


def attention_grads_match(a, g):
    packed_W, packed_b = a.in_proj_weight.grad.numpy(), a.in_proj_bias.grad.numpy()
    for j, n in enumerate("qkv"):
        close(g[f"W_{n}"], packed_W[j * D:(j + 1) * D].T)
    close(g["b_q"], packed_b[:D])
    close(g["b_v"], packed_b[2 * D:])
    assert not g["b_k"].any() and np.abs(packed_b[D:2 * D]).max() < 1e-12   # 0, up to round-off
    close(g["W_o"], a.out_proj.weight.grad.T)
    close(g["b_o"], a.out_proj.bias.grad)


def test_embedding():
    layer = nb.Embedding(7, D, rng=np.random.default_rng(0))
    module = torch.nn.Embedding(7, D, dtype=torch.float64)
    with torch.no_grad():
        module.weight.copy_(torch.tensor(layer.params["W"]))
    ids = np.array([[0, 3, 3, 6], [1, 1, 1, 0]])                        # repeated ids
    assert run_both(layer, module, ids, lambda m, x: m(x))[0] is None
    close(layer.grads["W"], module.weight.grad)


def test_layernorm():
    layer = randomised(nb.LayerNorm(D), 1)
    module = torch.nn.LayerNorm(D, dtype=torch.float64)
    with torch.no_grad():
        module.weight.copy_(torch.tensor(layer.params["gamma"]))
        module.bias.copy_(torch.tensor(layer.params["beta"]))
    x = 3 * np.random.default_rng(2).standard_normal((M, T, D)) + 1
    dx, xt = run_both(layer, module, x, lambda m, x: m(x))
    close(dx, xt.grad)
    close(layer.grads["gamma"], module.weight.grad)
    close(layer.grads["beta"], module.bias.grad)


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention(causal):
    layer = randomised(nb.MultiHeadAttention(D, HEADS, causal=causal, rng=np.random.default_rng(3)), 4)
    module = torch.nn.MultiheadAttention(D, HEADS, batch_first=True, dtype=torch.float64)
    copy_attention(module, layer.params)
    x = np.random.default_rng(5).standard_normal((M, T, D))
    weights = []

    def call(m, x):
        y, w = m(x, x, x, attn_mask=mask(causal), need_weights=True, average_attn_weights=False)
        weights.append(w)
        return y

    dx, xt = run_both(layer, module, x, call)
    close(layer.attention_weights, weights[0])
    close(dx, xt.grad)
    attention_grads_match(module, layer.grads)


def test_transformer_block_with_a_causal_mask():
    layer = randomised(nb.TransformerBlock(D, HEADS, D_FF, causal=True, rng=np.random.default_rng(6)), 7)
    module = torch.nn.TransformerEncoderLayer(D, HEADS, dim_feedforward=D_FF, dropout=0.0,
                                              activation="relu", batch_first=True, norm_first=True,
                                              dtype=torch.float64)
    p = layer.params
    copy_attention(module.self_attn, {k[5:]: v for k, v in p.items() if k.startswith("attn.")})
    with torch.no_grad():
        for t, ours in ((module.norm1.weight, "ln1.gamma"), (module.norm1.bias, "ln1.beta"),
                        (module.norm2.weight, "ln2.gamma"), (module.norm2.bias, "ln2.beta"),
                        (module.linear1.bias, "b_1"), (module.linear2.bias, "b_2")):
            t.copy_(torch.tensor(p[ours]))
        module.linear1.weight.copy_(torch.tensor(p["W_1"].T))
        module.linear2.weight.copy_(torch.tensor(p["W_2"].T))
    x = np.random.default_rng(8).standard_normal((M, T, D))
    dx, xt = run_both(layer, module, x, lambda m, x: m(x, src_mask=mask(True), is_causal=True))
    close(dx, xt.grad)
    g = layer.grads
    for t, ours in ((module.norm1.weight, "ln1.gamma"), (module.norm1.bias, "ln1.beta"),
                    (module.norm2.weight, "ln2.gamma"), (module.norm2.bias, "ln2.beta"),
                    (module.linear1.bias, "b_1"), (module.linear2.bias, "b_2")):
        close(g[ours], t.grad)
    close(g["W_1"], module.linear1.weight.grad.T)
    close(g["W_2"], module.linear2.weight.grad.T)
    attention_grads_match(module.self_attn, {k[5:]: v for k, v in g.items() if k.startswith("attn.")})


# the bridge ---------------------------------------------------------------------------------------
def language_model(dtype, causal, seed=10):
    rng = np.random.default_rng(seed)
    model = nb.Sequential([
        nb.Embedding(7, D, rng=rng, dtype=dtype), nb.PositionalEmbedding(T, D, rng=rng, dtype=dtype),
        nb.MultiHeadAttention(D, HEADS, causal=causal, rng=rng, dtype=dtype),
        nb.LayerNorm(D, dtype=dtype),
        nb.TransformerBlock(D, HEADS, D_FF, causal=causal, rng=rng, dtype=dtype),
        nb.Dense(D, 7, rng=rng, dtype=dtype)])
    for p in model.params.values():
        p += (0.3 * rng.standard_normal(p.shape)).astype(dtype)
    return model


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("causal", [True, False])
def test_to_torch_and_back(dtype, tol, causal):
    model = language_model(dtype, causal)
    ids = np.random.default_rng(11).integers(0, 7, (M, T))
    net = nb.to_torch(model)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Embedding", "AddPositions", "SelfAttention", "LayerNorm", "EncoderBlock",
                     "Linear"]
    assert net[4].layer.norm_first and net[4].causal == causal
    out = model.predict(ids)
    assert nb.relative_error(net(torch.tensor(ids)).detach().numpy(), out) < tol
    net.eval()
    with torch.no_grad():                           # PyTorch's inference fast path, when it applies
        assert nb.relative_error(net(torch.tensor(ids)).numpy(), out) < tol
    back = nb.from_torch(net)
    assert [type(layer) for layer in back.layers] == [type(layer) for layer in model.layers]
    assert back.layers[2].causal == back.layers[4].causal == causal and back.dtype == dtype
    np.testing.assert_array_equal(back.predict(ids), out)


def test_a_plain_encoder_layer_reads_as_a_non_causal_block():
    enc = torch.nn.TransformerEncoderLayer(D, HEADS, dim_feedforward=D_FF, dropout=0.0,
                                           batch_first=True, norm_first=True, dtype=torch.float64)
    net = torch.nn.Sequential(enc)
    model = nb.from_torch(net)
    assert isinstance(model.layers[0], nb.TransformerBlock) and not model.layers[0].causal
    x = np.random.default_rng(12).standard_normal((M, T, D))
    close(model.predict(x), net(torch.tensor(x)))


def test_from_torch_names_what_nnbook_lacks():
    bad = [(torch.nn.Embedding(5, 3, padding_idx=0), r"padding_idx"),
           (torch.nn.LayerNorm((4, 3)), r"normalises over \(4, 3\)"),
           (torch.nn.TransformerEncoderLayer(4, 2, 8, batch_first=True), r"norm_first=True"),
           (torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True, norm_first=True,
                                             activation="gelu"), r"activation='relu'")]
    for module, message in bad:
        with pytest.raises(ValueError, match=r"(?s)from_torch: module 0 .*" + message):
            nb.from_torch(torch.nn.Sequential(module))
    tl = pytest.importorskip("nnbook.torch_bridge._modules")
    attn = tl.SelfAttention(4, 2)
    attn.attn.dropout = 0.1
    with pytest.raises(ValueError, match=r"dropout=0"):
        nb.from_torch(torch.nn.Sequential(attn))


# chapter 31: PyTorch has no linear attention or DeltaNet layer, so a reference written in
# torch from the equations (a loop over positions), autograd's gradients against ours
def torch_state_layer(layer, x, dy):
    """The layer's forward in torch, from its params; returns (y, ∂E/∂x, {name: ∂E/∂W})."""
    P = {k: torch.tensor(v, requires_grad=True) for k, v in layer.params.items()}
    xt = torch.tensor(x, requires_grad=True)
    m, T_, d = x.shape
    h, dh = layer.n_heads, layer.d_head

    def heads(z):
        return z.reshape(m, T_, h, dh).transpose(1, 2)                # (m, h, T, dh)

    q, k, v = (heads(xt @ P[f"W_{n}"]) for n in "qkv")
    delta = isinstance(layer, nb.DeltaNet)
    if delta:
        q = q / torch.sqrt((q * q).sum(-1, keepdim=True) + 1e-12)
        k = k / torch.sqrt((k * k).sum(-1, keepdim=True) + 1e-12)
        beta = torch.sigmoid(xt @ P["W_beta"]).transpose(1, 2)       # (m, h, T)
    S = torch.zeros(m, h, dh, dh, dtype=torch.float64)
    outs = []
    for t in range(T_):
        kt, vt = k[:, :, t], v[:, :, t]
        if delta:
            err = vt - (S @ kt[..., None])[..., 0]
            S = S + beta[:, :, t, None, None] * err[..., :, None] * kt[..., None, :]
        else:
            S = S + vt[..., :, None] * kt[..., None, :]
        outs.append((S @ q[:, :, t, :, None])[..., 0])
    y = torch.stack(outs, 2).transpose(1, 2).reshape(m, T_, d) @ P["W_o"]
    y.backward(torch.tensor(dy))
    return y, xt.grad, {k_: p.grad for k_, p in P.items()}


@pytest.mark.parametrize("cls, form", [(nb.LinearAttention, "recurrent"),
                                       (nb.LinearAttention, "masked"),
                                       (nb.LinearAttention, "chunked"),
                                       (nb.DeltaNet, "recurrent"), (nb.DeltaNet, "chunked")])
def test_linear_attention_and_deltanet_match_a_torch_reference(cls, form):
    layer = cls(D, HEADS, form=form, chunk=4, rng=np.random.default_rng(31))
    x = np.random.default_rng(32).standard_normal((M, T, D))
    dy = np.random.default_rng(33).standard_normal((M, T, D))
    y, dx_t, grads_t = torch_state_layer(layer, x, dy)
    close(layer.forward(x), y)
    close(layer.backward(dy), dx_t)
    for name, g in grads_t.items():
        close(layer.grads[name], g)
