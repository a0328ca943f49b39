"""Chapter 26's conclusions about the samplers with the exact score and velocity, on a seed no
table or notebook uses (the stored table ``26_samplers_exact`` shows them on seeds 0–4): 100
steps of DDPM and DDIM are as close as true samples (|z| < 6); at 10 steps both are far off,
DDPM farther than DDIM, and Euler on flow matching's straight paths closer than both; at 30
steps Euler is below DDPM and both Euler and DDIM are inside the yardstick. The claims about
trained networks (``26_samplers_learned``) cost about a minute a seed and are not re-run here.
"""

from nnbook.experiments import ch26_diffusion, seeds

NEW_SEED = 4026                   # no notebook or stored table uses it


def holds(row):
    return (all(abs(row[f"{s} 100"]) < 6 for s in ("DDPM", "DDIM", "Euler"))
            and row["DDIM 10"] > 6 and row["DDPM 10"] > row["DDIM 10"]
            and row["Euler 10"] < min(row["DDIM 10"], row["DDPM 10"])
            and row["Euler 30"] < row["DDPM 30"]
            and max(abs(row["Euler 30"]), abs(row["DDIM 30"])) < 6)


def test_the_stored_table_shows_the_claims_on_every_seed():
    assert seeds.stored("26_samplers_exact").every(holds)


def test_the_claims_hold_on_a_new_seed():
    row = ch26_diffusion.sampler_steps(NEW_SEED, steps=(100, 30, 10))
    assert holds(row), row
