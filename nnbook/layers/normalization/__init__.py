"""Normalisation layers: ``BatchNorm`` (chapter 13), ``LayerNorm`` (chapter 18) and
``RMSNorm`` (chapter 20).
"""

from .batchnorm import BatchNorm
from .layernorm import LayerNorm
from .rmsnorm import RMSNorm

__all__ = ["BatchNorm", "LayerNorm", "RMSNorm"]
