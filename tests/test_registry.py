"""Tests for nnbook/registry.py: ``register_class`` records a class under its own name or
``name=``, ``lookup`` finds it, and ``name_of`` gives the name a model file writes."""

import pytest

import nnbook as nb
from nnbook import registry


@pytest.fixture
def table(monkeypatch):
    """A copy of the registry for one test, so a learner's class does not outlive it."""
    monkeypatch.setattr(registry, "_CLASSES", registry.registered())


def test_name_of_gives_the_registered_name(table):
    @nb.register_class(name="MyDense")
    class Dense(nb.Layer):
        pass

    @nb.register_class
    class Scale(nb.Layer):
        pass

    class Unregistered(nb.Layer):
        pass

    assert registry.name_of(Dense) == "MyDense" and registry.lookup("MyDense") is Dense
    assert registry.name_of(Scale) == "Scale"
    assert registry.name_of(Unregistered) == "Unregistered"
    assert registry.name_of(nb.Dense) == "Dense" and registry.lookup("Dense") is nb.Dense
