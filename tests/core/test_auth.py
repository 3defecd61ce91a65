"""Credentials: masked, read from the environment, and scrubbed in every encoding."""

import base64
import json
import pickle
from urllib.parse import quote, quote_plus

import pytest

from invoicekit import ValidationError
from invoicekit._auth import BearerAuth, FormAuth, HeaderAuth, Redactor, Secret, credential

SECRET = 's3cr+t/=&% "ü'


def test_secret_is_masked() -> None:
    """repr and str never show the value; pickling is refused."""
    s = Secret(SECRET)
    assert SECRET not in repr(s)
    assert SECRET not in str(s)
    assert SECRET not in repr(HeaderAuth({"X-API-KEY": s}))
    assert SECRET not in repr(BearerAuth(s))
    assert SECRET not in repr(FormAuth({"secret": s}))
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_credential_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """None falls back to the environment variable; an explicit value wins."""
    monkeypatch.setenv("DEMO_KEY", "from-env")
    assert credential(None, param="api_key", env="DEMO_KEY").reveal() == "from-env"
    assert credential("given", param="api_key", env="DEMO_KEY").reveal() == "given"


def test_missing_credential_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing or blank credential is a ValidationError naming the parameter and the variable."""
    monkeypatch.delenv("DEMO_KEY", raising=False)
    with pytest.raises(ValidationError, match="DEMO_KEY") as info:
        credential(None, param="api_key", env="DEMO_KEY")
    assert info.value.field == "api_key"
    with pytest.raises(ValidationError):
        credential("  ", param="api_key", env="DEMO_KEY")
    with pytest.raises(ValidationError, match="CR, LF"):
        credential("a\nb", param="api_key", env=None)


def test_auth_objects_apply() -> None:
    """Headers, bearer and form fields reveal the value only where the request needs it."""
    s = Secret("tok3n-value")
    assert HeaderAuth({"X-A": s}).apply_headers() == {"X-A": "tok3n-value"}
    assert BearerAuth(s).apply_headers() == {"Authorization": "Bearer tok3n-value"}
    assert BearerAuth(s, header="X-Api-Key").apply_headers() == {"X-Api-Key": "tok3n-value"}
    assert FormAuth({"secret": s}).form_fields() == {"secret": "tok3n-value"}
    assert FormAuth({"secret": s}).apply_headers() == {}


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s,
        lambda s: quote(s, safe=""),
        lambda s: quote_plus(s),
        lambda s: json.dumps(s)[1:-1],
        lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
        lambda s: base64.b64encode(s.encode()).decode(),
    ],
)
def test_redactor_scrubs_every_encoding(encode) -> None:  # type: ignore[no-untyped-def]
    """The secret is scrubbed raw, URL-quoted, JSON-escaped and base64-encoded."""
    r = Redactor([Secret(SECRET)])
    text = f"before {encode(SECRET)} after"
    assert encode(SECRET) not in r.text(text)
    assert r.text(text) == "before *** after"


def test_redactor_walks_data() -> None:
    """Decoded JSON bodies are scrubbed in keys and values, at any depth."""
    r = Redactor([Secret("hunter2-long")])
    data = {"a": ["x hunter2-long y", {"hunter2-long": 1}], "n": 3}
    assert r.data(data) == {"a": ["x *** y", {"***": 1}], "n": 3}
