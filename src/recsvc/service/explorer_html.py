"""Tiny server-side HTML for the explorer: every value is escaped unless marked as markup.

The explorer is a handful of tables and forms, so a template engine would add a dependency
to the service image for little; instead all text goes through :func:`html.escape`, and
only strings built here (``Html``) pass through as markup. No script runs on any page, and
the page policy (``service.middleware``) allows only this service's own style sheet, images
and form targets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from urllib.parse import quote

__all__ = ["STYLE", "Html", "cell", "link", "page", "table", "url"]


class Html(str):
    """Markup built by this module: written into a page as it is."""


def cell(value: object) -> Html:
    """``value`` as page text: markup as is, None as a dash, the rest escaped."""
    if isinstance(value, Html):
        return value
    if value is None:
        return Html("&ndash;")
    if isinstance(value, float):
        return Html(escape(f"{value:g}"))
    return Html(escape(str(value)))


def url(*parts: str) -> str:
    """``/explorer/<part>/<part>`` with every part percent-encoded (ids may hold anything)."""
    return "/explorer" + "".join("/" + quote(p, safe="") for p in parts if p)


def link(href: str, text: object, *, test_id: str | None = None) -> Html:
    marker = f' data-testid="{escape(test_id)}"' if test_id else ""
    return Html(f'<a href="{escape(href)}"{marker}>{cell(text)}</a>')


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, test_id: str = "") -> Html:
    head = "".join(f"<th>{cell(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    marker = f' data-testid="{escape(test_id)}"' if test_id else ""
    return Html(f"<table{marker}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def page(title: str, *sections: Html, subtitle: str = "") -> str:
    nav = (
        f"<nav>{link(url(), 'Explorer')} &middot; {link(url('reports'), 'Impact and fairness')}"
        f' &middot; <form method="post" action="{url("logout")}" class="inline">'
        '<button type="submit">Sign out</button></form></nav>'
    )
    sub = f'<p class="sub">{cell(subtitle)}</p>' if subtitle else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{cell(title)} - recsvc explorer</title>"
        f'<link rel="stylesheet" href="{url("style.css")}"></head><body>'
        f"{nav}<h1>{cell(title)}</h1>{sub}{''.join(sections)}</body></html>"
    )


STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1d1d1f; }
nav { margin-bottom: 1rem; color: #666; }
h1 { font-size: 1.6rem; margin: .2rem 0; } h2 { font-size: 1.2rem; margin-top: 1.6rem; }
.sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: .5rem 0; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f5f5f7; }
.note { background: #fff8e1; border-left: 4px solid #f2b200; padding: .6rem .8rem; }
.empty { color: #777; font-style: italic; }
form.inline { display: inline; } form.inline button { font: inherit; }
img { max-width: 100%; border: 1px solid #eee; margin: .4rem 0; }
input { font: inherit; padding: .2rem .4rem; }
meter { width: 6rem; }
"""
