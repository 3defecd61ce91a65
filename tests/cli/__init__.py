"""Tests of the invoicekit command line."""
