"""The HTML writers' jinja2 templates (``grader/report/templates/``), escaped, strict about names."""

from __future__ import annotations

import re
from functools import cache

import jinja2
from markupsafe import Markup, escape

# The pages that show student content allow no script, no request anywhere, images only inline.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _code(text: str) -> Markup:
    """Escape, then show `name` spans as code."""
    return Markup(re.sub(r"`([^`<>]+)`", r"<code>\1</code>", str(escape(text))))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.report", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["code"] = _code
    env.globals["csp"] = Markup(CSP)  # ours, and quoted as it is: no entity to decode
    return env


def template(name: str) -> jinja2.Template:
    return _environment().get_template(name)
