"""Chapter 26's denoiser against PyTorch on equal weights (to_torch), in float64 and float32:
the forward, ∂E/∂x (including ∂E/∂t through the time embedding) and every parameter gradient
of the MSE loss, an Adam step, a DDPM and a DDIM step written here in torch; from_torch back;
chapter 25's VAE: the negative ELBO and its gradient against the loss written in torch.
Skipped without torch (CI's torch job runs it)."""

import numpy as np
import pytest

import nnbook as nb

torch = pytest.importorskip("torch")

G = nb.generative
TOL = {np.float64: 1e-10, np.float32: 2e-5}
DTYPES = [np.float64, np.float32]


def close(ours, theirs, dtype):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype == dtype
    assert nb.relative_error(ours, theirs) < TOL[dtype]


def setup(dtype, seed=0):
    rng = np.random.default_rng(seed)
    model = G.denoiser(2, hidden=16, n_freq=4, max_freq=30.0, dtype=dtype, rng=rng)
    inp, eps = G.noise_batch(rng.standard_normal((32, 2)).astype(dtype), G.LinearSchedule(),
                             rng=rng)
    return model, nb.to_torch(model), inp, eps


@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_backward_and_gradients(dtype):
    model, tm, inp, eps = setup(dtype)
    xt = torch.tensor(inp, requires_grad=True)
    yt = tm(xt)
    close(model.forward(inp), yt, dtype)
    loss = ((yt - torch.tensor(eps)) ** 2).mean()
    loss.backward()
    model.compile("sgd", "mse")
    y = model.forward(inp)
    dx = model.backward(nb.MSE().grad(eps, y))
    close(dx, xt.grad, dtype)
    linears = [m for m in tm if isinstance(m, torch.nn.Linear)]
    denses = [layer for layer in model.layers if isinstance(layer, nb.Dense)]
    for lin, dense in zip(linears, denses):
        close(dense.grads["W"], lin.weight.grad.T, dtype)
        close(dense.grads["b"], lin.bias.grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_an_adam_step(dtype):
    model, tm, inp, eps = setup(dtype, 1)
    model.compile(nb.Adam(lr=1e-2), "mse")
    opt = torch.optim.Adam(tm.parameters(), lr=1e-2, eps=1e-8)
    for _ in range(3):
        model.train_step(inp, eps)
        opt.zero_grad()
        ((tm(torch.tensor(inp)) - torch.tensor(eps)) ** 2).mean().backward()
        opt.step()
    close(model.predict(inp), tm(torch.tensor(inp)), dtype)


def test_sampler_steps():
    model, tm, _, _ = setup(np.float64, 2)
    s = G.LinearSchedule()
    x = np.random.default_rng(3).standard_normal((20, 2))
    steps = 4
    times = s.times(steps)
    z = np.random.default_rng(5).standard_normal((steps, 20, 2))
    xd, xi = torch.tensor(x), torch.tensor(x)
    with torch.no_grad():
        for i, (t, u) in enumerate(zip(times[:-1], times[1:])):
            at, au = s.alpha_bar(t), s.alpha_bar(u)
            alpha, beta = at / au, 1 - at / au
            full = lambda v: torch.cat([v, torch.full((20, 1), t, dtype=v.dtype)], 1)
            e = tm(full(xd))
            xd = (xd - beta / np.sqrt(1 - at) * e) / np.sqrt(alpha)
            if u > 0:
                xd = xd + np.sqrt(beta * (1 - au) / (1 - at)) * torch.tensor(z[i])
            e = tm(full(xi))
            x0 = (xi - np.sqrt(1 - at) * e) / np.sqrt(at)
            xi = np.sqrt(au) * x0 + np.sqrt(1 - au) * e
    f = G.as_function(model)
    ours = _ddpm_with(f, x, s, steps, z)
    close(ours, xd, np.float64)
    close(G.ddim_sample(f, x, s, steps=steps), xi, np.float64)


def _ddpm_with(f, x, s, steps, z):
    """ddpm_sample with the noise z: a Generator whose standard_normal is replaced."""
    class Fixed(np.random.Generator):
        pass
    gen = Fixed(np.random.PCG64(0))
    draws = iter(z)
    gen.standard_normal = lambda shape: next(draws)
    return G.ddpm_sample(f, x, s, steps=steps, rng=gen)


def test_from_torch_gives_the_same_model():
    model, tm, inp, _ = setup(np.float64, 4)
    back = nb.from_torch(tm)
    assert repr(back.layers[0]) == "TimeEmbedding(d=2, n_freq=4)"
    np.testing.assert_allclose(back.predict(inp), model.predict(inp), rtol=1e-12)


# chapter 25: the VAE's negative ELBO, its gradient on equal weights -----------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hidden", [(), (6,)])
def test_vae_negative_elbo_and_its_gradient(dtype, hidden):
    """Encoder and decoder through to_torch, the same ε, the loss written in torch: the loss
    and every parameter gradient (and log σ_x²'s) agree."""
    rng = np.random.default_rng(7)
    vae = G.VAE(3, 2, hidden=hidden, obs_logvar=-0.4, learn_obs_var=True, kl_weight=0.8,
                dtype=dtype, rng=rng)
    x = rng.standard_normal((16, 3)).astype(dtype)
    eps = rng.standard_normal((16, 2)).astype(dtype)
    value = vae.compute_gradients(x, eps=eps)
    enc, dec = nb.to_torch(vae.encoder), nb.to_torch(vae.decoder)
    s = torch.tensor(vae.obs_logvar.copy(), requires_grad=True)
    h = enc(torch.tensor(x))
    mu, lv = h[:, :2], h[:, 2:]
    z = mu + torch.exp(0.5 * lv) * torch.tensor(eps)
    xhat = dec(z)
    rec = -0.5 * (((torch.tensor(x) - xhat) ** 2) * torch.exp(-s) + s
                  + np.log(2 * np.pi)).sum(1)
    kl = 0.5 * (mu ** 2 + torch.exp(lv) - 1 - lv).sum(1)
    loss = (-rec + 0.8 * kl).mean()
    loss.backward()
    assert abs(value - loss.item()) < TOL[dtype] * abs(value) * 10
    for net, tnet in ((vae.encoder, enc), (vae.decoder, dec)):
        linears = [m for m in tnet.modules() if isinstance(m, torch.nn.Linear)]
        denses = [layer for layer in net.layers if isinstance(layer, nb.Dense)]
        assert len(linears) == len(denses) == len(hidden) + 1
        for lin, dense in zip(linears, denses):
            close(dense.grads["W"], lin.weight.grad.T, dtype)
            close(dense.grads["b"], lin.bias.grad, dtype)
    close(vae.obs_grad, s.grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_masked_diffusion_model_and_its_loss(dtype):
    """Chapter 28's bidirectional model and MaskedDiffusionLoss against the same loss written
    in torch on to_torch's model: the loss, and every parameter gradient (in order)."""
    V, T = 26, 7
    rng = np.random.default_rng(28)
    model = G.masked_diffusion_model(V, T, d_model=16, n_heads=4, dtype=dtype, rng=rng)
    for p in model.params.values():
        p += 0.1 * rng.standard_normal(p.shape).astype(dtype)
    ids = rng.integers(0, V, (5, T))
    x, mask, w = G.mask_batch(ids, mask_id=V, rng=rng)
    y = G.masked_targets(ids, w, V).astype(dtype)
    tm = nb.to_torch(model)
    z = tm(torch.tensor(x))
    theirs = -(torch.tensor(y) * torch.log_softmax(z, dim=-1)).sum() / (5 * T)
    theirs.backward()
    loss = G.MaskedDiffusionLoss()
    out = model.forward(x, training=True)
    close(np.asarray(loss(y, out), dtype=dtype), theirs, dtype)
    model.backward(loss.grad(y, out))
    names = {"W": "weight", "b": "bias", "gamma": "weight", "ln1.gamma": "norm1.weight",
             "ln2.gamma": "norm2.weight", "W_1": "ffn.w1.weight", "W_3": "ffn.w3.weight",
             "W_2": "ffn.w2.weight", **{f"attn.W_{n}": f"attn.{n}.weight" for n in "qkvo"}}
    grads = {n: p.grad.numpy() for n, p in tm.named_parameters()}
    ours = {f"{i}.{names[k]}": g for i, layer in enumerate(model.layers)
            for k, g in layer.grads.items()}
    assert sorted(ours) == sorted(grads)
    for name, g in ours.items():
        close(g, grads[name].T if g.ndim == 2 and name[0] != "0" else grads[name], dtype)
