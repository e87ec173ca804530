"""Content negotiation for the hosts a static site lands on: Apache, nginx, Netlify and Cloudflare Pages.

``cndkg build`` writes, at the root of the output folder:

* ``.htaccess`` (Apache 2.4, mod_rewrite + mod_headers + mod_mime),
* ``nginx-cndkg.conf`` (a snippet to ``include`` in the ``server`` block serving the folder),
* ``_headers`` and ``_redirects`` (Netlify; Cloudflare Pages reads the same files),
* ``.well-known/void``, which points at the dataset description ``void.ttl``.

An entity's IRI ``{base}id/res/cnd/57/4`` names the resolution, not a page, so
it answers ``303 See Other`` to the document that describes it (the W3C's
"Cool URIs for the Semantic Web", section 4.3): the page ``res/cnd/57/4/`` to a
browser, ``data.ttl`` to ``Accept: text/turtle``, ``data.jsonld`` to
``application/ld+json``, ``data.akn.xml`` to ``application/akn+xml``, with
``Vary: Accept`` and ``Link: rel="alternate"`` headers naming every
representation. The documents answer ``200`` with their own media types and,
for pages, the same ``Link`` headers. Netlify and Cloudflare redirect on paths
only, never on ``Accept``: there the IRI answers 303 to the page, whose
``Link`` headers name the other formats.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from cndkg.iris import Minter
from cndkg.publish.akn import AKN_FILE, AKN_MEDIA_TYPE
from cndkg.publish.feed import ATOM_MEDIA_TYPE, FEED_FILE

HTACCESS = ".htaccess"
NGINX = "nginx-cndkg.conf"
VOID_WELL_KNOWN = ".well-known/void"
_FORMATS = (
    ("data.ttl", "text/turtle", r"text/turtle"),
    ("data.jsonld", "application/ld+json", r"application/ld\+json"),
    (AKN_FILE, AKN_MEDIA_TYPE, r"application/akn\+xml"),
)
_MEDIA = (
    ("ttl", "text/turtle"),
    ("nt", "application/n-triples"),
    ("jsonld", "application/ld+json"),
    ("atom", ATOM_MEDIA_TYPE),
    ("csv", "text/csv"),
    ("graphml", "application/graphml+xml"),
)


def _links(prefix: str, akn: bool) -> str:
    """Return a Link header value naming a page's alternates under ``prefix`` (relative to the request)."""
    parts = [f'<{prefix}>; rel="alternate"; type="text/html"'] if prefix else []
    for name, media, _ in _FORMATS:
        if name != AKN_FILE or akn:
            parts.append(f'<{prefix}{name}>; rel="alternate"; type="{media}"')
    return ", ".join(parts)


def _quoted(value: str) -> str:
    """Return a value as one double-quoted Apache configuration argument."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def htaccess() -> str:
    """Return the Apache ``.htaccess``: 303 from IRIs by Accept, media types, Vary and Link headers.

    Works wherever the folder is served from (the prefix before ``id/`` is taken
    from the request), and only redirects to representations that exist.
    """
    lines = [
        "# Written by cndkg build: content negotiation for the entity IRIs (see the README).",
        "# Needs mod_rewrite, mod_headers and mod_mime, and AllowOverride All (or FileInfo) for this folder.",
        "Options -MultiViews",
        "AddDefaultCharset utf-8",
        *(f"AddType {media} .{ext}" for ext, media in _MEDIA),
        "AddCharset utf-8 .ttl .nt .jsonld .csv .atom .graphml .xml",
        f'<Files "{AKN_FILE}">',
        f"  ForceType {AKN_MEDIA_TYPE}",
        "</Files>",
        '<Files "void">',
        "  ForceType text/turtle",
        "</Files>",
        "RewriteEngine On",
        "",
        "# A browser (it asks for text/html) gets the page; so does anyone who names none of the data formats.",
        "RewriteCond %{HTTP_ACCEPT} !(text/html|application/xhtml\\+xml)",
    ]
    first = True
    for name, _media, pattern in _FORMATS:
        if not first:
            lines.append("RewriteCond %{HTTP_ACCEPT} !(text/html|application/xhtml\\+xml)")
        first = False
        lines += [
            f"RewriteCond %{{HTTP_ACCEPT}} {pattern}",
            "RewriteCond %{REQUEST_FILENAME}%{PATH_INFO} ^(.*/)id/(.+?)/?$",
            f"RewriteCond %1%2/{name} -f",
            "RewriteCond %{REQUEST_URI} ^(.*/)id/(.+?)/?$",
            f"RewriteRule ^id/ %1%2/{name} [R=303,L,E=CNDKG_DOC:%1%2/]",
            "",
        ]
    lines += [
        "RewriteCond %{REQUEST_FILENAME}%{PATH_INFO} ^(.*/)id/(.+?)/?$",
        "RewriteCond %1%2/index.html -f",
        "RewriteCond %{REQUEST_URI} ^(.*/)id/(.+?)/?$",
        "RewriteRule ^id/ %1%2/ [R=303,L,E=CNDKG_DOC:%1%2/]",
        "",
        "# The dataset description, where harvesters look for it (RFC 5785, VoID section 7).",
        "RewriteCond %{REQUEST_URI} ^(.*/)\\.well-known/void$",
        "RewriteRule ^\\.well-known/void$ %1void.ttl [R=303,L]",
        "",
        "# Pages with data beside them name it in Link headers.",
        "RewriteCond %{REQUEST_FILENAME} -d",
        "RewriteCond %{REQUEST_FILENAME}/data.ttl -f",
        "RewriteRule ^ - [E=CNDKG_PAGE:1]",
        "RewriteCond %{REQUEST_FILENAME} -d",
        f"RewriteCond %{{REQUEST_FILENAME}}/{AKN_FILE} -f",
        "RewriteRule ^ - [E=CNDKG_AKN:1]",
        "",
        'Header always merge Vary Accept "expr=%{REQUEST_URI} =~ m#/id/#"',
        f"Header always set Link {_quoted(_links('%{CNDKG_DOC}e', False))} env=CNDKG_DOC",
        f"Header always set Link {_quoted(_links('%{REDIRECT_CNDKG_DOC}e', False))} env=REDIRECT_CNDKG_DOC",
        f"Header set Link {_quoted(_links('', False))} env=CNDKG_PAGE",
        f"Header set Link {_quoted(_links('', True))} env=CNDKG_AKN",
        f"Header set Link {_quoted(_links('', False))} env=REDIRECT_CNDKG_PAGE",
        f"Header set Link {_quoted(_links('', True))} env=REDIRECT_CNDKG_AKN",
        "",
    ]
    return "\n".join(lines)


def nginx(base: str) -> str:
    """Return an nginx snippet for the ``server`` block whose ``root`` is the output folder."""
    prefix = urlsplit(base).path.rstrip("/")
    out = [
        "# Written by cndkg build: include this inside the server { } block whose root is the output folder,",
        f"# served at {prefix or '/'} (the path of the base URI). See the README.",
        "types {",
        "    text/html html;",
        "    text/css css;",
        "    text/javascript js;",
        "    application/json json;",
        "    application/xml xml;",
        "    image/svg+xml svg;",
        *(f"    {media} {ext};" for ext, media in _MEDIA),
        "}",
        "charset utf-8;",
        "charset_types text/turtle application/n-triples application/ld+json text/csv application/atom+xml "
        f"{AKN_MEDIA_TYPE} application/xml;",
        f"location ~ /{AKN_FILE.replace('.', '[.]')}$ {{",
        f"    types {{ }} default_type {AKN_MEDIA_TYPE};",
        '    add_header Link \'<data.ttl>; rel="alternate"; type="text/turtle"\' always;',
        "}",
        f"location = {prefix}/.well-known/void {{ return 303 {prefix}/void.ttl; }}",
        f"location ~ ^{prefix}/id/(?<cndkg_path>.+?)/?$ {{",
        "    add_header Vary Accept always;",
        '    add_header Link "<$cndkg_doc>; rel=\\"alternate\\"; type=\\"text/html\\", '
        '<${cndkg_doc}data.ttl>; rel=\\"alternate\\"; type=\\"text/turtle\\", '
        '<${cndkg_doc}data.jsonld>; rel=\\"alternate\\"; type=\\"application/ld+json\\"" always;',
        f"    set $cndkg_doc {prefix}/$cndkg_path/;",
        "    set $cndkg_want html;",
        '    if ($http_accept ~* "text/turtle") { set $cndkg_want ttl; }',
        '    if ($http_accept ~* "application/ld\\+json") { set $cndkg_want jsonld; }',
        '    if ($http_accept ~* "application/akn\\+xml") { set $cndkg_want akn; }',
        '    if ($http_accept ~* "text/html|application/xhtml\\+xml") { set $cndkg_want html; }',
        "    if ($cndkg_want = ttl) { return 303 ${cndkg_doc}data.ttl; }",
        "    if ($cndkg_want = jsonld) { return 303 ${cndkg_doc}data.jsonld; }",
        f"    if ($cndkg_want = akn) {{ return 303 ${{cndkg_doc}}{AKN_FILE}; }}",
        "    return 303 $cndkg_doc;",
        "}",
        "",
    ]
    return "\n".join(out)


def netlify_headers(pages: dict[str, str], texts: set[str]) -> str:
    """Return ``_headers``: media types of the data files, Link headers on every entity page."""
    out = [
        "# Written by cndkg build (Netlify, Cloudflare Pages): media types and alternates of every entity page.",
        "/*.ttl",
        "  Content-Type: text/turtle; charset=utf-8",
        "/*.nt",
        "  Content-Type: application/n-triples; charset=utf-8",
        "/*.jsonld",
        "  Content-Type: application/ld+json; charset=utf-8",
        "/*.csv",
        "  Content-Type: text/csv; charset=utf-8",
        f"/{FEED_FILE}",
        f"  Content-Type: {ATOM_MEDIA_TYPE}; charset=utf-8",
        f"/{VOID_WELL_KNOWN}",
        "  Content-Type: text/turtle; charset=utf-8",
        "/id/*",
        "  Vary: Accept",
    ]
    for iri, path in sorted(pages.items(), key=lambda item: item[1]):
        akn = iri in texts
        out += [f"/{path}/", f"  Link: {_links('', akn)}"]
        if akn:
            out += [f"/{path}/{AKN_FILE}", f"  Content-Type: {AKN_MEDIA_TYPE}; charset=utf-8"]
    return "\n".join(out) + "\n"


def netlify_redirects(pages: dict[str, str], id_prefix: str) -> str:
    """Return ``_redirects``: every IRI to its page (303), since these hosts cannot redirect on Accept."""
    out = [
        "# Written by cndkg build (Netlify, Cloudflare Pages): IRI -> page, 303 See Other.",
        "/.well-known/void /void.ttl 303",
    ]
    for iri, path in sorted(pages.items(), key=lambda item: item[1]):
        if iri.startswith(id_prefix) and iri[len(id_prefix) :] != path:
            out.append(f"/id/{iri[len(id_prefix) :]} /{path}/ 303")
    out.append("/id/* /:splat/ 303")
    return "\n".join(out) + "\n"


def well_known_void(base: str) -> str:
    """Return ``.well-known/void``: a Turtle document naming the dataset and where it is described."""
    return (
        "@prefix void: <http://rdfs.org/ns/void#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n"
        f"<{base}void.ttl#dataset> a void:Dataset ;\n"
        f"    rdfs:isDefinedBy <{base}void.ttl> .\n"
    )


def write_conneg(folder: Path, base: str, pages: dict[str, str], texts: set[str]) -> None:
    """Write the server configurations and ``.well-known/void`` into ``folder``.

    Takes the output folder, the base URI, entity IRI -> page folder and the
    IRIs of the texts (their pages have ``data.akn.xml``).
    """
    (folder / HTACCESS).write_text(htaccess(), encoding="utf-8")
    (folder / NGINX).write_text(nginx(base), encoding="utf-8")
    (folder / "_headers").write_text(netlify_headers(pages, texts), encoding="utf-8")
    (folder / "_redirects").write_text(netlify_redirects(pages, Minter(base).identifier_space), encoding="utf-8")
    target = folder / VOID_WELL_KNOWN
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(well_known_void(base), encoding="utf-8")
