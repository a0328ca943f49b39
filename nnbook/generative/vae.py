"""A variational autoencoder with Gaussian encoder, prior and decoder (chapter 25): the
negative ELBO as its loss with the gradient written by hand, a documented training loop,
the importance-weighted bound, and the exact log-likelihood and posterior of the
linear-Gaussian case (probabilistic PCA) that the bounds are checked against.
"""

from __future__ import annotations

import json
import math
import numbers
import zipfile

import numpy as np

from ..layers.activations import Tanh
from ..layers.dense import Dense
from ..optimizers import Adam, Optimizer
from ..training.batches import OwnSteps
from ..training.inputs import check_fit_arguments
from ..training.loop import fit_loop
from ..training.model import Sequential
from ..registry import name_of
from ..saving import optimizer_from_config
from ..validate import as_float_array, finite, float_dtype, make_rng, positive_int
from .gaussian import (LOG_2PI, gaussian_kl, gaussian_kl_grad, gaussian_log_likelihood,
                       reparameterize, reparameterize_backward)

_OPT = "optimizer/"        # the optimizer's state arrays in a file, as Sequential.save's

__all__ = ["VAE", "linear_log_prob", "linear_elbo", "linear_posterior", "quadrature_log_prob"]


def _mlp(sizes, dtype, rng):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(a, b, dtype=dtype, rng=rng))
        if i < len(sizes) - 2:
            layers.append(Tanh())
    return Sequential(layers)


def _rows(vae, owner, x, cols=None):
    """x as an (n, cols) array of the VAE's dtype (cols: its d by default), or a ValueError."""
    x = as_float_array(owner, "x", x)
    cols = vae.d if cols is None else cols
    if x.ndim != 2 or x.shape[1] != cols or len(x) == 0:
        raise ValueError(f"{owner}: expected an array of shape (n, {cols}), one sample per "
                         f"row, got {x.shape}.")
    return x.astype(vae.dtype, copy=False)


class VAE:
    """p(z) = N(0, I), p(x | z) = N(decoder(z), σ_x² I), q(z | x) = N(μ(x), diag σ²(x)).

    ``encoder``: a ``Sequential`` of ``Dense`` and ``Tanh`` from d to 2k outputs, μ then
    log σ²; ``decoder``: from k to d, the mean of x. ``hidden=()`` makes both linear: the
    linear-Gaussian VAE, whose log p(x) is ``linear_log_prob``.

    Shapes:
        x: (n, d)  →  ``encode``: (mu, logvar), each (n, k);  z: (n, k)  →  ``decode``: (n, d)

    Args:
        d: the data's dimension; latent: k; hidden: the widths of the hidden layers of the
        encoder and (reversed) of the decoder, (64,) by default.
        obs_logvar: log σ_x², the decoder's log-variance (0.0); learn_obs_var: train it too.
        kl_weight: β, the weight of the KL term in the loss (1.0: the negative ELBO).
        dtype: float64 or float32; rng: draws the initial weights.

    The loss (``loss``, ``compute_gradients``) is the negative ELBO averaged over the batch,
    estimated with one ε per row: −log N(x; decoder(z), σ_x² I) + β KL(q(z | x) ‖ p(z)),
    with z = μ + σ ⊙ ε. ``fit`` is the loop, written out in its docstring. ``save`` and
    ``VAE.load`` keep the weights, the settings and the optimizer's state: training after
    ``load`` goes on exactly as it would have.
    """

    def __init__(self, d, latent, *, hidden=(64,), obs_logvar=0.0, learn_obs_var=False,
                 kl_weight=1.0, dtype=np.float64, rng=None):
        self.d = positive_int("VAE", "d", d)
        self.latent = positive_int("VAE", "latent", latent)
        if isinstance(hidden, (numbers.Number, str)) or not hasattr(hidden, "__iter__"):
            raise ValueError(f"VAE: expected hidden to be a tuple of layer widths, e.g. (64,) "
                             f"for one hidden layer or () for the linear VAE, got {hidden!r}.")
        self.hidden = tuple(positive_int("VAE", "hidden", h) for h in hidden)
        self.dtype = float_dtype("VAE", dtype)
        if (not all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                    for v in (obs_logvar, kl_weight))
                or not np.isfinite(obs_logvar) or not np.isfinite(kl_weight) or kl_weight < 0):
            raise ValueError(f"VAE: expected a finite obs_logvar and kl_weight ≥ 0, got "
                             f"obs_logvar={obs_logvar!r}, kl_weight={kl_weight!r}.")
        self.kl_weight, self.learn_obs_var = float(kl_weight), bool(learn_obs_var)
        self.obs_logvar = np.array([obs_logvar], self.dtype)
        self.obs_grad = np.zeros(1, self.dtype)
        rng = make_rng(rng, "VAE")
        self.encoder = _mlp((self.d, *self.hidden, 2 * self.latent), self.dtype, rng)
        self.decoder = _mlp((self.latent, *self.hidden[::-1], self.d), self.dtype, rng)
        self.optimizer = None

    def __repr__(self):
        return (f"VAE(d={self.d}, latent={self.latent}, hidden={self.hidden}, "
                f"kl_weight={self.kl_weight})")

    # the model ----------------------------------------------------------------------
    def encode(self, x):
        """(μ, log σ²) of q(z | x), each (n, k)."""
        h = self.encoder.forward(_rows(self, "VAE.encode", x), training=False)
        return h[:, :self.latent], h[:, self.latent:]

    def decode(self, z):
        """The decoder's mean of x for each z, (n, d)."""
        return self.decoder.forward(_rows(self, "VAE.decode", z, self.latent), training=False)

    def sample(self, n, *, rng=None, mean=False):
        """n draws of x ~ p(x): z ~ N(0, I), then x ~ N(decoder(z), σ_x² I) (``mean=True``:
        the decoder's means, without the observation noise). (n, d)."""
        n = positive_int("VAE.sample", "n", n)
        rng = make_rng(rng, "VAE.sample")
        z = rng.standard_normal((n, self.latent)).astype(self.dtype)
        x = self.decode(z)
        if mean:
            return x
        noise = rng.standard_normal(x.shape) * np.exp(0.5 * float(self.obs_logvar[0]))
        return (x + noise).astype(self.dtype)

    # the loss and its gradient ----------------------------------------------------------
    def _draw(self, owner, shape, rng, eps):
        if eps is None:
            return make_rng(rng, f"VAE.{owner}").standard_normal(shape).astype(self.dtype)
        eps = as_float_array(f"VAE.{owner}", "eps", eps)
        if eps.shape != shape:
            raise ValueError(f"VAE.{owner}: expected eps of shape {shape}, got {eps.shape}.")
        return eps.astype(self.dtype, copy=False)

    def loss(self, x, *, rng=None, eps=None):
        """The negative ELBO (β-weighted KL), averaged over the rows of x, one ε per row
        (``eps`` (n, k) fixes them). A float."""
        x = _rows(self, "VAE.loss", x)
        mu, lv = self.encode(x)
        z = reparameterize(mu, lv, self._draw("loss", mu.shape, rng, eps))
        rec = gaussian_log_likelihood(x, self.decode(z), self.obs_logvar[0])
        return float(np.mean(-rec + self.kl_weight * gaussian_kl(mu, lv)))

    def compute_gradients(self, x, *, rng=None, eps=None):
        """Forward and backward on one batch: fills every layer's ``grads`` of the encoder
        and decoder (and ``obs_grad``) with the gradient of ``loss``; returns the loss.

        By hand: ∂/∂x̂ = (x̂ − x) / (n σ_x²) through the decoder gives ∂/∂z; the
        reparameterisation gives ∂/∂μ = ∂/∂z and ∂/∂log σ² = ½ ∂/∂z ⊙ σ ⊙ ε; the KL adds
        β μ / n and β ½ (σ² − 1) / n; both go back through the encoder."""
        x = _rows(self, "VAE.compute_gradients", x)
        n, k = len(x), self.latent
        h = self.encoder.forward(x, training=True)
        mu, lv = h[:, :k], h[:, k:]
        e = self._draw("compute_gradients", mu.shape, rng, eps)
        z = reparameterize(mu, lv, e)
        xhat = self.decoder.forward(z, training=True)
        s = self.obs_logvar[0]
        rec = gaussian_log_likelihood(x, xhat, s)
        value = float(np.mean(-rec + self.kl_weight * gaussian_kl(mu, lv)))
        r = xhat - x
        dz = self.decoder.backward(r * (np.exp(-s) / n))
        dmu, dlv = reparameterize_backward(dz, lv, e)
        kmu, klv = gaussian_kl_grad(mu, lv)
        c = self.kl_weight / n
        self.encoder.backward(np.concatenate([dmu + c * kmu, dlv + c * klv], axis=1),
                              need_dx=False)
        self.obs_grad[0] = np.mean(-0.5 * np.sum(r * r, axis=1) * np.exp(-s) + 0.5 * self.d)
        return value

    def gradient_pairs(self):
        """(parameter, gradient) of the encoder, the decoder, and log σ_x² if learned."""
        pairs = self.encoder.gradient_pairs() + self.decoder.gradient_pairs()
        return pairs + [(self.obs_logvar, self.obs_grad)] if self.learn_obs_var else pairs

    def train_step(self, x, *, rng=None):
        """``compute_gradients``, then one step of ``self.optimizer``; returns the loss.
        A loss that is NaN or inf is returned without a step (the weights stay finite)."""
        value = self.compute_gradients(x, rng=rng)
        if math.isfinite(value):
            self.optimizer.step(self.gradient_pairs())
        return value

    def fit(self, x, *, epochs=10, batch_size=64, optimizer=None, rng=None, callbacks=None,
            verbose=0):
        """Train on x; returns the mean loss of each epoch, (epochs,). ``optimizer``: an
        nnbook optimizer (``nb.Adam(lr=1e-3)`` by default, kept in ``self.optimizer``).
        ``fit``'s loop (``fit_loop``, ``callbacks`` and ``verbose`` as in
        ``Sequential.fit``) with this model's ``train_step``: each epoch, for
        ``order = rng.permutation(len(x))``, ``self.train_step(x[order[s:s + batch_size]],
        rng=rng)`` for s = 0, batch_size, …. x with NaN or inf is a ``ValueError``; a loss
        that becomes NaN or inf is a ``FloatingPointError`` (the weights of the last finite
        step), naming the first weights that are not finite."""
        x = _rows(self, "VAE.fit", x)
        finite("VAE.fit", "x", x)
        if optimizer is not None:
            if not hasattr(optimizer, "step"):
                raise ValueError(f"VAE.fit: expected an nnbook optimizer such as "
                                 f"nb.Adam(lr=1e-3), got {type(optimizer).__name__}.")
            self.optimizer = optimizer
        elif self.optimizer is None:
            self.optimizer = Adam(lr=1e-3)
        args = check_fit_arguments(self, epochs=positive_int("VAE.fit", "epochs", epochs),
                                   batch_size=batch_size, rng=rng, verbose=verbose,
                                   callbacks=callbacks, initial_epoch=0, owner="VAE.fit")
        batches = OwnSteps(self, x, args.pop("batch_size"), args["rng"])
        history = fit_loop(self, batches, val=None, owner="VAE.fit", **args)
        return np.array(history.history["loss"])

    def set_training(self, training: bool) -> None:
        """Set ``training`` on every layer of the encoder and the decoder."""
        self.encoder.set_training(training)
        self.decoder.set_training(training)

    def trained_params(self):
        """The parameters ``train_step`` updates, in its order (the optimizer's state)."""
        return [p for p, _ in self.gradient_pairs()]

    # bounds on log p(x) -----------------------------------------------------------------
    def _log_weights(self, owner, x, K, rng):
        """log p(x, z_i) − log q(z_i | x) for K draws z_i ~ q(z | x): (K, n)."""
        x = _rows(self, f"VAE.{owner}", x)
        K = positive_int(f"VAE.{owner}", "K", K)
        rng = make_rng(rng, f"VAE.{owner}")
        mu, lv = self.encode(x)
        out = np.empty((K, len(x)))
        for i in range(K):
            e = rng.standard_normal(mu.shape).astype(self.dtype)
            z = reparameterize(mu, lv, e)
            rec = gaussian_log_likelihood(x, self.decode(z), self.obs_logvar[0])
            log_prior = -0.5 * np.sum(z * z + LOG_2PI, axis=1)
            log_q = -0.5 * np.sum(e * e + lv + LOG_2PI, axis=1)
            out[i] = rec + log_prior - log_q
        return out

    def elbo(self, x, *, K=1, rng=None):
        """The ELBO of each row of x (β = 1), the mean of K one-sample estimates. (n,)."""
        return self._log_weights("elbo", x, K, rng).mean(axis=0)

    def iwae_bound(self, x, K, *, rng=None):
        """The importance-weighted bound log (1/K) Σ_i p(x, z_i) / q(z_i | x), z_i ~ q(z | x),
        of each row: ≤ log p(x), equal to the ELBO's estimate at K = 1, rising towards
        log p(x) on average as K grows. (n,)."""
        w = self._log_weights("iwae_bound", x, K, rng)
        top = w.max(axis=0)
        return top + np.log(np.mean(np.exp(w - top), axis=0))

    # save and load ----------------------------------------------------------------------
    def save(self, path):
        """Write the settings, every weight and the optimizer (its settings and state:
        moments, step count) to an ``.npz`` file; returns the path. ``VAE.load`` then
        trains on exactly as this model would (given the same ``rng``), as
        ``Sequential.save`` promises."""
        config = {"d": self.d, "latent": self.latent, "hidden": list(self.hidden),
                  "obs_logvar": float(self.obs_logvar[0]), "learn_obs_var": self.learn_obs_var,
                  "kl_weight": self.kl_weight, "dtype": self.dtype.name}
        arrays = {f"encoder_{i}": w for i, w in enumerate(self.encoder.get_weights())}
        arrays.update({f"decoder_{i}": w for i, w in enumerate(self.decoder.get_weights())})
        opt = self.optimizer
        if opt is not None:
            if not (hasattr(opt, "get_state") and hasattr(opt, "get_config")):
                raise ValueError(f"VAE.save: the optimizer {type(opt).__name__} has no "
                                 f"get_state/get_config, so training could not resume exactly "
                                 f"after load. Use an nnbook optimizer (nb.Adam, nb.SGD, …).")
            config["optimizer"] = {"class": name_of(type(opt)), "config": opt.get_config()}
            state = opt.get_state(self.trained_params())
            arrays.update({_OPT + k: np.asarray(v) for k, v in state.items()})
        path = str(path)
        np.savez(path, config=np.array(json.dumps(config)), **arrays)
        return path if path.endswith(".npz") else path + ".npz"

    @classmethod
    def load(cls, path):
        """The VAE that ``save`` wrote to ``path``; a damaged file is a ``ValueError``."""
        try:
            with np.load(path) as f:
                if "config" not in f:
                    raise ValueError(f"VAE.load: {path} was not written by VAE.save (no "
                                     f"config).")
                config = json.loads(str(f["config"]))
                spec = config.pop("optimizer", None)
                model = cls(**config)
                for part in ("encoder", "decoder"):
                    net = getattr(model, part)
                    net.set_weights([f[f"{part}_{i}"] for i in range(len(net.get_weights()))])
                if spec is not None:                  # files before it kept no optimizer
                    opt = optimizer_from_config(spec["class"], spec["config"], base=Optimizer)
                    opt.set_state(model.trained_params(), {k[len(_OPT):]: np.array(f[k])
                                                     for k in f.files if k.startswith(_OPT)})
                    model.optimizer = opt
        except FileNotFoundError:
            raise
        except (OSError, EOFError, KeyError, TypeError, ValueError, zipfile.BadZipFile) as exc:
            if str(exc).startswith("VAE.load:"):
                raise
            raise ValueError(f"VAE.load: {str(path)!r} is not a readable VAE file ({exc}). "
                             f"The file may be damaged; save the model again with "
                             f"vae.save(path).") from None
        return model


def _linear(owner, vae):
    if not isinstance(vae, VAE) or vae.hidden:
        raise ValueError(f"{owner}: expected a linear-Gaussian VAE, VAE(d, k, hidden=()), "
                         f"got {vae!r}.")
    dense = vae.decoder.layers[0]
    return dense.params["W"].astype(np.float64), dense.params["b"].astype(np.float64)


def linear_log_prob(vae, x):
    """The exact log p(x) of a linear-Gaussian VAE (hidden=()): x = z W + b + noise with
    z ~ N(0, I), so x ~ N(b, WᵀW + σ_x² I).

    Shapes:
        x: (n, d)  →  (n,)
    """
    W, b = _linear("linear_log_prob", vae)
    x = _rows(vae, "linear_log_prob", x).astype(np.float64)
    cov = W.T @ W + np.exp(float(vae.obs_logvar[0])) * np.eye(vae.d)
    chol = np.linalg.cholesky(cov)
    sol = np.linalg.solve(chol, (x - b).T)
    logdet = 2.0 * np.sum(np.log(np.diag(chol)))
    return -0.5 * (np.sum(sol * sol, axis=0) + logdet + vae.d * LOG_2PI)


def linear_elbo(vae, x):
    """The exact ELBO (β = 1) of each row for a linear-Gaussian VAE, no sampling:
    E_q[log N(x; zW + b, σ_x² I)] = log N(x; μW + b, σ_x² I) − Σ_j σ_j² ‖W_j‖² / (2σ_x²),
    minus ``gaussian_kl(μ, log σ²)``. It equals ``linear_log_prob`` minus
    KL(q(z | x) ‖ p(z | x)).

    Shapes:
        x: (n, d)  →  (n,)
    """
    W, b = _linear("linear_elbo", vae)
    x = _rows(vae, "linear_elbo", x).astype(np.float64)
    mu, lv = (a.astype(np.float64) for a in vae.encode(x))
    s = float(vae.obs_logvar[0])
    rec = gaussian_log_likelihood(x, mu @ W + b, s)
    rec -= 0.5 * np.exp(lv - s) @ np.sum(W * W, axis=1)
    return rec - gaussian_kl(mu, lv)


def linear_posterior(vae, x):
    """The true posterior p(z | x) = N(m(x), C) of a linear-Gaussian VAE:
    C = (I + W Wᵀ / σ_x²)⁻¹ and m(x) = (x − b) Wᵀ C / σ_x². The encoder's q(z | x) equals it
    when its μ(x) = m(x) and diag σ² = C (possible when C is diagonal).

    Shapes:
        x: (n, d)  →  (means (n, k), cov (k, k))
    """
    W, b = _linear("linear_posterior", vae)
    x = _rows(vae, "linear_posterior", x).astype(np.float64)
    var = np.exp(float(vae.obs_logvar[0]))
    cov = np.linalg.inv(np.eye(vae.latent) + W @ W.T / var)
    return (x - b) @ W.T @ cov / var, cov


def quadrature_log_prob(vae, x, *, half_width=5.0, points=201):
    """The model's own log p(x) = log ∫ p(x | z) p(z) dz, by the midpoint rule on a grid of
    ``points`` per axis over [−half_width, half_width]^k, for a latent of dimension 1 or 2
    (any decoder). The prior mass outside the grid, about 6e-7 per axis at 5, is left out.

    Shapes:
        x: (n, d)  →  (n,)
    """
    if not isinstance(vae, VAE) or vae.latent > 2:
        raise ValueError(f"quadrature_log_prob: expected a VAE with a latent of dimension 1 "
                         f"or 2 (a grid in more is too large), got {vae!r}.")
    points = positive_int("quadrature_log_prob", "points", points, minimum=2)
    if (isinstance(half_width, bool) or not isinstance(half_width, numbers.Real)
            or not 0 < half_width < np.inf):
        raise ValueError(f"quadrature_log_prob: expected half_width > 0, a finite number "
                         f"(5.0 leaves out about 6e-7 of the prior per axis), got "
                         f"{half_width!r}.")
    x = _rows(vae, "quadrature_log_prob", x).astype(np.float64)
    h = 2.0 * half_width / points
    axis = -half_width + h * (np.arange(points) + 0.5)
    grid = np.stack(np.meshgrid(*[axis] * vae.latent, indexing="ij"), -1)
    z = grid.reshape(-1, vae.latent)
    means = vae.decode(z).astype(np.float64)                        # (g, d)
    var = np.exp(float(vae.obs_logvar[0]))
    sq = (np.sum(x * x, 1)[:, None] - 2.0 * x @ means.T + np.sum(means * means, 1))
    log_lik = -0.5 * (np.maximum(sq, 0.0) / var + vae.d * (np.log(var) + LOG_2PI))
    log_w = log_lik - 0.5 * np.sum(z * z + LOG_2PI, 1) + vae.latent * np.log(h)
    top = log_w.max(axis=1, keepdims=True)
    return top[:, 0] + np.log(np.sum(np.exp(log_w - top), axis=1))
