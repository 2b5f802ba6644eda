"""Clients that call the API with a bearer token, as a script would."""

import json

import pytest
from django.test import Client

from tvetbridge.core import tokens


class ApiClient:
    """A thin JSON client; `as_user` issues a real token, so every test also exercises token auth."""

    def __init__(self, key: str | None = None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def _call(self, method: str, path: str, data=None, *, current: bool = False, **extra):
        headers = {**self.headers, **extra.pop("headers", {})}
        if current:
            # As a careful script does: read the record, then write naming the version it read.
            headers["If-Match"] = self.get(path)["ETag"]
        kwargs = {"headers": headers, **extra}
        if data is not None:
            kwargs.update(data=json.dumps(data, default=str), content_type="application/json")
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)

    def get(self, path, params=None, **extra):
        return self.client.get(f"/api/v1{path}", params or {},
                               headers={**self.headers, **extra.pop("headers", {})}, **extra)

    def post(self, path, data=None, **extra):
        return self._call("post", path, data if data is not None else {}, **extra)

    def patch(self, path, data, **extra):
        return self._call("patch", path, data, **extra)

    def put(self, path, data, **extra):
        return self._call("put", path, data, **extra)

    def delete(self, path, **extra):
        return self._call("delete", path, **extra)


@pytest.fixture
def api_as(users):
    """api_as("coordinator") → a client authenticated with a fresh token of that role's user."""

    def make(role: str) -> ApiClient:
        if role == "public":
            return ApiClient()
        _token, key = tokens.issue_token(users[role], f"{role} test")
        return ApiClient(key)

    return make


@pytest.fixture
def keyed():
    """keyed(key) → a client that sends this bearer key (or none)."""
    return ApiClient
