"""chainrule.random: manual_seed makes a run reproducible, private generators keep their own
streams, and generator= refuses anything that is not a numpy.random.Generator."""

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import random as cr_random


def draws(generator=None):
    """One draw from each random factory, so a test covers every consumer of the default stream."""
    return [
        cr.randn(3, generator=generator).detach().numpy(),
        cr.rand(2, 2, generator=generator).detach().numpy(),
        cr.randint(0, 100, (4,), generator=generator).detach().numpy(),
        cr.randperm(5, generator=generator).detach().numpy(),
    ]


def assert_same_draws(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_manual_seed_makes_draws_reproducible():
    cr.manual_seed(1234)
    first = draws()
    cr.manual_seed(1234)
    assert_same_draws(first, draws())


def test_different_seeds_give_different_draws():
    cr.manual_seed(1)
    first = cr.randn(100).detach().numpy()
    cr.manual_seed(2)
    assert not np.array_equal(first, cr.randn(100).detach().numpy())


def test_draws_advance_the_default_stream():
    cr.manual_seed(5)
    first = cr.randn(10).detach().numpy()
    assert not np.array_equal(first, cr.randn(10).detach().numpy())


def test_manual_seed_returns_the_new_default_generator():
    generator = cr.manual_seed(7)
    assert isinstance(generator, np.random.Generator)
    assert cr_random.default_generator() is generator
    assert cr_random.get_generator() is generator
    assert cr_random.get_generator(None) is generator


def test_manual_seed_matches_torch_reproducibility_contract():
    # Not the same numbers as torch (different bit generators), the same promise: reseeding
    # replays the stream in both libraries.
    for lib in (cr, torch):
        lib.manual_seed(3)
        a = lib.randn(4).detach().numpy()
        lib.manual_seed(3)
        np.testing.assert_array_equal(a, lib.randn(4).detach().numpy())


@pytest.mark.parametrize("seed", [np.int64(11), np.int32(11), 11])
def test_manual_seed_accepts_python_and_numpy_ints(seed):
    cr.manual_seed(seed)
    first = cr.randn(3).detach().numpy()
    cr.manual_seed(11)
    np.testing.assert_array_equal(first, cr.randn(3).detach().numpy())


@pytest.mark.parametrize("seed", [1.5, "0", None, True, [0]])
def test_manual_seed_rejects_non_int_seeds(seed):
    with pytest.raises(TypeError, match="manual_seed: expected an int seed"):
        cr.manual_seed(seed)


def test_generators_with_the_same_seed_give_the_same_stream():
    assert_same_draws(draws(cr.Generator(42)), draws(cr.random.Generator(42)))


def test_generators_with_different_seeds_differ():
    a = cr.randn(50, generator=cr.Generator(1)).detach().numpy()
    b = cr.randn(50, generator=cr.Generator(2)).detach().numpy()
    assert not np.array_equal(a, b)


def test_private_generator_does_not_disturb_the_default_stream():
    cr.manual_seed(0)
    expected = draws() + draws()
    cr.manual_seed(0)
    first = draws()
    draws(cr.Generator(99))  # interleaved private draws ...
    # ... leave the default stream exactly where it would have been.
    assert_same_draws(expected, first + draws())


def test_manual_seed_does_not_reseed_private_generators():
    private = cr.Generator(8)
    reference = cr.Generator(8)
    cr.randn(5, generator=private)
    cr.randn(5, generator=reference)
    cr.manual_seed(8)
    np.testing.assert_array_equal(
        cr.randn(5, generator=private).detach().numpy(), cr.randn(5, generator=reference).detach().numpy()
    )


def test_two_private_generators_are_independent():
    a, b = cr.Generator(3), cr.Generator(3)
    cr.randn(100, generator=b)  # drawing from b must not move a
    np.testing.assert_array_equal(
        cr.randn(4, generator=a).detach().numpy(), cr.randn(4, generator=cr.Generator(3)).detach().numpy()
    )


def test_unseeded_generator_is_a_fresh_numpy_generator():
    generator = cr.Generator()
    assert isinstance(generator, np.random.Generator)
    assert generator is not cr_random.default_generator()


def test_get_generator_returns_the_generator_it_is_given():
    generator = cr.Generator(0)
    assert cr_random.get_generator(generator) is generator
    assert cr_random.get_generator(np.random.default_rng(1)) is not generator


@pytest.mark.parametrize(
    "wrong",
    ["seed", np.random.RandomState(0), torch.Generator(), 1.5],
    ids=["str", "RandomState", "torch.Generator", "float"],
)
def test_get_generator_rejects_other_objects(wrong):
    with pytest.raises(TypeError, match=r"numpy\.random\.Generator.*got " + type(wrong).__name__):
        cr_random.get_generator(wrong)


def test_factories_reject_a_wrong_generator():
    with pytest.raises(TypeError, match=r"numpy\.random\.Generator"):
        cr.randn(2, generator=torch.Generator())
