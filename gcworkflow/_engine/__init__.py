"""The engine's machinery; the public door is :mod:`gcworkflow.engine`."""
