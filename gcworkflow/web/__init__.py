"""The clerks' desk and the REST API (issue #8): ``create_app(ctx)`` in :mod:`gcworkflow.web.app`, served by
``gcw serve``. Importing this package imports nothing heavy; the modules bring FastAPI in when used."""
