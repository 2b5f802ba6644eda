"""The REST API root: each app contributes a router; see `<app>/api.py`."""

from ninja import NinjaAPI

api = NinjaAPI(title="TVET Bridge API", version="1", urls_namespace="api")
