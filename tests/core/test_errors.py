"""The error tree and its one status table."""

import pytest

import invoicekit as ik
from invoicekit._errors import api_error, class_for_status


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
