"""Sphinx configuration: the Markdown pages (MyST) plus an API reference generated from the docstrings.

Build it as CI does (warnings and broken cross-references fail the build)::

    python -m pip install -e ".[docs]"
    sphinx-build -W --keep-going -n -b html docs docs/_build/html
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # the checkout's code, even when an older invoicekit is installed

import invoicekit  # noqa: E402

project = "invoicekit"
author = "invoicekit developers"
copyright = "invoicekit developers"  # noqa: A001
release = invoicekit.__version__
version = release

extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "**/.pytest_cache"]
root_doc = "index"

# MyST: headings get GitHub's anchors, so `concepts.md#unset-and-none` works on GitHub and in the site.
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"invoicekit {release}"

# autodoc reads the attrs models' generated __init__, so their signatures are the real ones.
autodoc_member_order = "bysource"
autodoc_default_options = {
    "members": True,
    "undoc-members": True,
    "show-inheritance": True,
    # a client's close()/with_options() come from the core's base class; show them on each client
    "inherited-members": "BaseException, Exception, ValueError, LookupError, object, str, int, dict, Enum",
}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True

# Every cross-reference must resolve (-n). The exceptions are types from other libraries (no intersphinx:
# the build needs no network) and invoicekit's private helpers that appear inside public signatures.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(httpx|httpcore|attrs|cattrs|pytest|_pytest|os|io|typing|typing_extensions|collections"
     r"|collections\.abc|concurrent|decimal|datetime|dt|enum|pathlib|types|email|http|threading|socket|logging|uuid)\..*"),
    (r"py:.*", r"invoicekit(\.\w+)*\._\w+(\.\w+)*"),
]


# --- the API reference covers every public name ----------------------------------------------------------

PUBLIC_MODULES = (
    "invoicekit",
    "invoicekit.upflow",
    "invoicekit.salesbricks",
    "invoicekit.payabli",
    "invoicekit.invoro",
    "invoicekit.whmcs",
    "invoicekit.bulk",
    "invoicekit.testing",
    "invoicekit.testing.pytest_plugin",
)


def _public_constants(module_name: str) -> list[str]:
    """The names in a module's ``__all__`` that are neither classes nor functions (constants, type aliases).

    autodoc skips these when they are imported from a private module, so :class:`AutoConstants` lists them.
    """
    import importlib
    import inspect

    module = importlib.import_module(module_name)
    return [
        name
        for name in module.__all__
        if not (inspect.isclass(value := getattr(module, name)) or inspect.isroutine(value) or inspect.ismodule(value))
    ]


def setup(app: Any) -> dict[str, Any]:
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective
    from sphinx.util.nodes import nested_parse_with_titles

    class AutoConstants(SphinxDirective):
        """``.. autoconstants:: invoicekit.payabli``: an ``autodata`` for each public constant of the module."""

        required_arguments = 1

        def run(self) -> list[nodes.Node]:
            module = self.arguments[0]
            lines = StringList()
            for name in _public_constants(module):
                lines.append(f".. autodata:: {module}.{name}", "<autoconstants>")
                lines.append("", "<autoconstants>")
            node = nodes.section()
            node.document = self.state.document
            nested_parse_with_titles(self.state, lines, node)
            return node.children

    def check_coverage(app: Any, exception: Exception | None) -> None:
        """Fail the build (a warning, and CI builds with -W) for a public name the reference lacks."""
        if exception is not None:
            return
        import importlib

        from sphinx.util import logging as sphinx_logging

        documented = {name for name, *_ in app.env.get_domain("py").get_objects()}
        for module_name in PUBLIC_MODULES:
            module = importlib.import_module(module_name)
            for name in module.__all__:
                if f"{module_name}.{name}" not in documented:
                    sphinx_logging.getLogger(__name__).warning(
                        "public name %s.%s is missing from the API reference", module_name, name
                    )

    app.add_directive("autoconstants", AutoConstants)
    app.connect("build-finished", check_coverage)
    return {"parallel_read_safe": True}
