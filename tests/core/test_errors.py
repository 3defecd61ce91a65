"""The error tree and its one status table."""

import concurrent.futures
import copy
import multiprocessing
import pickle

import pytest

import invoicekit as ik
from invoicekit._errors import api_error, class_for_status, clean_text


def test_tree_shape() -> None:
    """The tree is the one API.md draws."""
    assert issubclass(ik.ValidationError, ValueError)
    assert issubclass(ik.ValidationError, ik.InvoiceKitError)
    assert issubclass(ik.OutcomeUnknownError, ik.TransportError)
    assert issubclass(ik.NotFoundError, LookupError)
    for cls in (
        ik.BadRequestError,
        ik.AuthenticationError,
        ik.PermissionDeniedError,
        ik.NotFoundError,
        ik.ConflictError,
        ik.RateLimitError,
        ik.ServerError,
    ):
        assert issubclass(cls, ik.APIError)
    for base in (ik.TransportError, ik.APIError, ik.DecodeError):
        assert issubclass(base, ik.InvoiceKitError)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ik.BadRequestError),
        (401, ik.AuthenticationError),
        (403, ik.PermissionDeniedError),
        (404, ik.NotFoundError),
        (409, ik.ConflictError),
        (422, ik.BadRequestError),
        (429, ik.RateLimitError),
        (410, ik.BadRequestError),
        (500, ik.ServerError),
        (503, ik.ServerError),
        (599, ik.ServerError),
        (302, ik.APIError),
        (200, ik.APIError),
    ],
)
def test_status_table(status: int, cls: type[ik.APIError]) -> None:
    """Every status has exactly one class."""
    assert class_for_status(status) is cls


def test_hint_wins_over_status() -> None:
    """An envelope failure with HTTP 200 raises its hinted class and keeps the real status."""
    err = api_error(
        "not a draft", provider="invoro", status_code=200, hint=409, errors={"state": ["draft only"]}
    )
    assert type(err) is ik.ConflictError
    assert err.status_code == 200
    assert err.errors == {"state": ["draft only"]}
    assert str(err) == "invoro answered 200: not a draft"


def test_rate_limit_error_carries_wait() -> None:
    """RateLimitError keeps the wait the provider asked for."""
    err = api_error("slow down", provider="p", status_code=429, retry_after=3.0)
    assert isinstance(err, ik.RateLimitError)
    assert err.retry_after == 3.0


def test_validation_error_names_field_and_rule() -> None:
    """ValidationError keeps the field and the rule apart, and joins them in its text."""
    err = ik.ValidationError("invoice_data.items[2].item_cost", "money must be a decimal.Decimal")
    assert err.field == "invoice_data.items[2].item_cost"
    assert str(err) == "invoice_data.items[2].item_cost: money must be a decimal.Decimal"


# -- pickle, copy and repr (issue 13 item 16, issue 18) ------------------------------------------------


def _all_classes() -> list[type[ik.InvoiceKitError]]:
    found: list[type[ik.InvoiceKitError]] = []
    todo: list[type[ik.InvoiceKitError]] = [ik.InvoiceKitError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("invoicekit") and cls not in found:
            found.append(cls)
            todo += cls.__subclasses__()
    return found


def _example(cls: type[ik.InvoiceKitError]) -> ik.InvoiceKitError:
    """One instance of *cls*, every attribute set to a value other than its default."""
    if issubclass(cls, ik.ValidationError):
        return cls("invoice_data.items[2].item_cost", "must be a decimal.Decimal")
    if issubclass(cls, ik.OutcomeUnknownError):
        return cls("may have run", provider="whmcs", attempts=2, status_code=502)
    if issubclass(cls, ik.TransportError):
        return cls("no answer", provider="upflow", attempts=3)
    if issubclass(cls, ik.RateLimitError):
        return cls(
            "slow down", retry_after=1.5, provider="payabli", status_code=429, request_id="r-1", body={"a": 1}
        )
    if issubclass(cls, ik.APIError):
        return cls(
            "no",
            provider="salesbricks",
            status_code=418,
            body={"message": "no", "n": [1]},
            request_id="req-9",
            errors={"memo": ["too long"]},
        )
    if issubclass(cls, ik.DecodeError):
        return cls("the answer is not JSON (x)", provider="invoro", status_code=201)
    return cls("base")


def _state(err: BaseException) -> tuple[object, ...]:
    return (type(err), str(err), repr(err), err.args, dict(vars(err)))


def test_every_class_is_listed() -> None:
    """The walk below covers the whole tree (a new class is picked up automatically)."""
    assert set(_all_classes()) >= {getattr(ik, name) for name in ik._errors.__all__}
    assert ik.RateLimitError in _all_classes()
    assert ik.DecodeError in _all_classes()


@pytest.mark.parametrize("cls", _all_classes(), ids=lambda c: c.__name__)
def test_every_error_pickles_and_copies(cls: type[ik.InvoiceKitError]) -> None:
    """Type, message and every attribute survive pickle (every protocol), copy and deepcopy."""
    err = _example(cls)
    assert vars(err) or cls is ik.InvoiceKitError  # attributes to compare
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert _state(pickle.loads(pickle.dumps(err, protocol))) == _state(err)  # noqa: S301 - our bytes
    assert _state(copy.copy(err)) == _state(err)
    assert _state(copy.deepcopy(err)) == _state(err)


def _raise_in_worker(kind: str) -> None:
    if kind == "validation":
        raise ik.ValidationError("amount", "must be finite")
    if kind == "ratelimit":
        raise ik.RateLimitError("slow", retry_after=2.0, provider="upflow", status_code=429, request_id="q")
    raise ik.OutcomeUnknownError("unknown", provider="whmcs", attempts=1, status_code=503)


@pytest.mark.parametrize("kind", ["validation", "ratelimit", "outcome"])
def test_errors_cross_a_process_pool(kind: str) -> None:
    """An error raised in a ProcessPoolExecutor worker reaches the caller typed and whole (it was
    BrokenProcessPool / TypeError before).
    """
    pool = concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    with pool, pytest.raises(ik.InvoiceKitError) as caught:
        pool.submit(_raise_in_worker, kind).result(timeout=120)
    err = caught.value
    if kind == "validation":
        assert type(err) is ik.ValidationError
        assert (err.field, err.rule, str(err)) == ("amount", "must be finite", "amount: must be finite")
    elif kind == "ratelimit":
        assert isinstance(err, ik.RateLimitError)
        assert (err.retry_after, err.provider, err.status_code, err.request_id) == (2.0, "upflow", 429, "q")
    else:
        assert isinstance(err, ik.OutcomeUnknownError)
        assert (err.provider, err.attempts, err.status_code) == ("whmcs", 1, 503)


def test_api_error_repr_shows_status_and_request_id() -> None:
    err = api_error("Invoice not found", provider="payabli", status_code=404, request_id="req-42")
    assert repr(err) == (
        "NotFoundError('Invoice not found', provider='payabli', status_code=404, request_id='req-42')"
    )
    plain = api_error("boom", provider="upflow", status_code=500)
    assert repr(plain) == "ServerError('boom', provider='upflow', status_code=500)"
    decode = ik.DecodeError("the answer is not JSON", provider="invoro", status_code=202)
    assert repr(decode) == "DecodeError('the answer is not JSON', provider='invoro', status_code=202)"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("plain text, é 日", "plain text, é 日"),
        ("line one\r\nforged: line", "line one forged: line"),
        ("\x1b[31mred\x1b[0m alert", "red alert"),
        ("title\x1b]0;pwned\x07 here", "title here"),
        ("tab\tnul\x00del\x7fc1\x85", "tab nul del c1"),
        ("bidi\u202eevil\u2066x\u2028y", "bidi evil x y"),
    ],
)
def test_clean_text_strips_controls(given: str, expected: str) -> None:
    assert clean_text(given) == expected
