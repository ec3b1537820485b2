"""The package's version: the libopinfo release it belongs to (include/opinfo.h; a test keeps
them equal)."""
__version__ = "0.1.0"
