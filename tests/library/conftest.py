import base64

import pytest


@pytest.fixture
def lrs_client(db):
    from tvetbridge.library import services

    client, secret = services.provision_client(name="test", key="test-key", secret="test-secret")
    return client


@pytest.fixture
def xapi(client, lrs_client):
    """A Django test client speaking xAPI 2.0 with the LRS client's basic auth."""
    auth = "Basic " + base64.b64encode(b"test-key:test-secret").decode()

    def call(method, path, *, version="2.0.0", headers=None, **kwargs):
        extra = {"HTTP_AUTHORIZATION": auth}
        if version:
            extra["HTTP_X_EXPERIENCE_API_VERSION"] = version
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        return getattr(client, method)("/xapi/" + path, **kwargs, **extra)

    return call


def statement(**extra):
    st = {"actor": {"mbox": "mailto:learner@example.org", "name": "Learner"},
          "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
          "object": {"id": "http://example.org/activities/welding-1",
                     "definition": {"name": {"en": "Welding 1", "kk": "Дәнекерлеу 1"}}}}
    st.update(extra)
    return st
