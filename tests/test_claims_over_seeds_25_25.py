"""Chapter 25's conclusions over seeds, on a seed no table uses: the ordering of the bounds
that the stored table ``25_mixture_vae`` shows on every seed (the true density's negative
log-likelihood below the model's, the model's below the negative IWAE bounds, K = 100 below
K = 10, and both below the negative ELBO) holds on a new seed too, through the same
experiment function; so does ``25_digits_beta``'s: a larger KL weight β gives a smaller KL
and a larger reconstruction error. About 14 s with one BLAS thread."""

from nnbook.experiments import ch25_vae, seeds

NEW_SEED = 4001                   # no notebook or stored table uses it
ORDER = ("true NLL", "model NLL", "neg IWAE 100", "neg IWAE 10", "neg ELBO")


def ordered(row):
    return all(row[a] < row[b] for a, b in zip(ORDER[:-1], ORDER[1:]))


def test_the_stored_table_shows_the_order_on_every_seed():
    assert seeds.stored("25_mixture_vae").every(ordered)


def test_the_bounds_keep_their_order_on_a_new_seed():
    row = ch25_vae.mixture_vae(NEW_SEED)
    assert ordered(row), row


def beta_monotone(row):
    betas = [f"{b:g}" for b in ch25_vae.BETAS]
    kl = [row[f"KL β={b}"] for b in betas]
    rec = [row[f"rec β={b}"] for b in betas]
    return all(a > b for a, b in zip(kl, kl[1:])) and all(a < b for a, b in zip(rec, rec[1:]))


def test_beta_trades_kl_for_reconstruction_on_every_seed():
    assert seeds.stored("25_digits_beta").every(beta_monotone)
    row = ch25_vae.digits_beta(NEW_SEED)
    assert beta_monotone(row), row
