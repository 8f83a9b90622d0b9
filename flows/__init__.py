"""Prefect flows: thin orchestration over gcworkflow's services (DESIGN.md §1–§3).

Nothing here holds domain logic: each flow builds its context from the settings, calls the service, and
returns what the service reported. IDs are passed, never sessions or clients. Importing this package imports
Prefect, so ``gcworkflow`` never does; call :func:`flows.environment.prepare` before importing it.
"""
