"""The statement rules of xAPI 2.0 / 1.0.3, checked without a database."""

import math

import pytest

from tvetbridge.library.engine import xapi
from tvetbridge.library.engine.jws import check_signature
from tvetbridge.library.engine.multipart import MultipartError, build, parse

from .conftest import statement

pytestmark = pytest.mark.engine


def test_valid_statement_passes():
    xapi.validate_statement(statement())


@pytest.mark.parametrize("change, path", [
    ({"actor": {"mbox": "learner@example.org"}}, "statement.actor.mbox"),
    ({"actor": {"mbox": "mailto:a@b.c", "openid": "http://x.y/z"}}, "statement.actor"),
    ({"verb": {"id": "adlnet.gov/expapi/verbs/x"}}, "statement.verb.id"),
    ({"object": {"id": "http://x.y/z", "definition": {"name": {"a12345678": "x"}}}}, "statement.object.definition.name.a12345678"),
    ({"timestamp": "2008-09-15T15:53:00.601-00:00"}, "statement.timestamp"),
    ({"result": {"duration": "P4W1D"}}, "statement.result.duration"),
    ({"result": {"score": {"scaled": 1.5}}}, "statement.result.score.scaled"),
    ({"version": "1.1.0"}, "statement.version"),
    ({"Actor": {}}, "statement.Actor"),
    ({"context": {"registration": "not-a-uuid"}}, "statement.context.registration"),
    ({"id": "AA97B177-9383-4934-8543-0F91A7A028368"}, "statement.id"),
])
def test_rule_breaks_name_the_property(change, path):
    with pytest.raises(xapi.StatementError) as err:
        xapi.validate_statement(statement(**change))
    assert err.value.path == path


def test_context_agents_only_for_2_0_clients():
    st = statement(context={"contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:t@x.y"}}]})
    xapi.validate_statement(st, version="2.0")
    with pytest.raises(xapi.StatementError):
        xapi.validate_statement(st, version="1.0")


def test_timestamps_and_durations():
    assert xapi.parse_timestamp("2023-05-04T12:00:00-05:00").isoformat() == "2023-05-04T17:00:00+00:00"
    assert xapi.parse_duration("PT1H30M") == 5400
    assert xapi.parse_duration("P1W") == 7 * 86400
    assert math.isclose(xapi.parse_duration("P1DT12H36M0.12567S"), 86400 + 12 * 3600 + 36 * 60 + 0.12567)
    assert xapi.duration_key("P1DT12H36M0.12567S") == "P1DT12H36M0.12S"


def test_same_statement_ignores_lrs_properties_and_duration_digits():
    a = xapi.prepare(statement(result={"duration": "PT1.234S"}), stored=xapi.parse_timestamp("2024-01-01T00:00:00Z"),
                     authority={"mbox": "mailto:lrs@x.y"}, version="2.0")
    b = statement(result={"duration": "PT1.239S"})
    assert xapi.same_statement(a, b)
    assert not xapi.same_statement(a, statement(result={"duration": "PT2S"}))


def test_ids_format_keeps_identifiers_only():
    st = statement(object={"objectType": "SubStatement", "actor": {"objectType": "Group", "mbox": "mailto:g@x.y",
                                                                   "name": "G"},
                           "verb": {"id": "http://x.y/v", "display": {"en": "v"}},
                           "object": {"objectType": "Activity", "id": "http://x.y/a"}})
    out = xapi.render(st, "ids")
    assert out["actor"] == {"mbox": "mailto:learner@example.org"}
    assert out["object"]["actor"] == {"objectType": "Group", "mbox": "mailto:g@x.y"}
    assert out["object"]["object"] == {"id": "http://x.y/a"}


def test_canonical_format_picks_the_readers_language():
    out = xapi.render(statement(), "canonical", ["kk"])
    assert out["object"]["definition"]["name"] == {"kk": "Дәнекерлеу 1"}


def test_agents_and_activities_index_direct_and_related():
    st = statement(context={"instructor": {"mbox": "mailto:t@x.y"},
                            "contextActivities": {"parent": [{"id": "http://x.y/course"}]}})
    assert dict(xapi.agents_of(st)) == {"mbox::mailto:learner@example.org": True, "mbox::mailto:t@x.y": False}
    assert dict(xapi.activities_of(st)) == {"http://example.org/activities/welding-1": True,
                                             "http://x.y/course": False}


def test_multipart_round_trip_and_strictness():
    body = build([({"Content-Type": "application/json"}, b"[]"), ({"Content-Type": "text/plain"}, b"hello")], "b0")
    parts = parse(body, "multipart/mixed; boundary=b0")
    assert [p.body for p in parts] == [b"[]", b"hello"]
    with pytest.raises(MultipartError):
        parse(body.replace(b"--b0--", b""), "multipart/mixed; boundary=b0")
    with pytest.raises(MultipartError):
        parse(body, "multipart/mixed")


def test_signature_must_use_rs_algorithms_and_match_the_statement():
    import base64
    import json

    def enc(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    st = statement(id="f1b2c3d4-0000-4000-8000-000000000001")
    good = f"{enc({'alg': 'RS256'})}.{enc(st)}.c2ln".encode()
    check_signature(good, st)
    with pytest.raises(xapi.StatementError):
        check_signature(f"{enc({'alg': 'HS256'})}.{enc(st)}.c2ln".encode(), st)
    with pytest.raises(xapi.StatementError):
        check_signature(f"{enc({'alg': 'RS256'})}.{enc(statement(verb={'id': 'http://x.y/other'}))}.c2ln".encode(), st)


def test_signature_with_certificate_is_verified():
    """A JWS carrying its signer's certificate (x5c) is checked cryptographically."""
    import base64
    import datetime as dt
    import json

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "signer")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()

    def enc(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    st = statement()
    signing_input = f"{enc(json.dumps({'alg': 'RS256', 'x5c': [der]}).encode())}.{enc(json.dumps(st).encode())}"
    sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    check_signature(f"{signing_input}.{enc(sig)}".encode(), st)
    with pytest.raises(xapi.StatementError, match="does not verify"):
        check_signature(f"{signing_input}.{enc(sig[:-1] + bytes([sig[-1] ^ 1]))}".encode(), st)
