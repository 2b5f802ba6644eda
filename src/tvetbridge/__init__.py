"""TVET Bridge: what the industry lacks → what the trainees learn → how much income increases."""

__version__ = "0.1.0"
