"""Credentials for endpoints and stores: from the environment or a netrc file, never the command line.

``CNDKG_SPARQL_USER`` / ``CNDKG_SPARQL_PASSWORD`` are used only for the host
named in ``CNDKG_SPARQL_HOST`` (so they never travel to another endpoint);
otherwise the netrc file (``NETRC`` or ``~/.netrc``) entry for the endpoint's
host is used. The values are never printed: errors name the host only, and a
user name or password written into an endpoint URL (``http://user:pw@host/``) is
taken out of the URL before it is used or shown (:func:`without_userinfo`), never
sent: a secret on the command line shows in process lists and shell history.
"""

from __future__ import annotations

import netrc
import os
from urllib.parse import urlsplit, urlunsplit


def credentials_for(url: str) -> tuple[str, str] | None:
    """Return (user, password) for an endpoint URL, or None when none is configured."""
    host = urlsplit(url).hostname or ""
    user = os.environ.get("CNDKG_SPARQL_USER")
    password = os.environ.get("CNDKG_SPARQL_PASSWORD")
    if user and password is not None and os.environ.get("CNDKG_SPARQL_HOST", "").lower() == host.lower():
        return user, password
    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
    if entry is None:
        return None
    login, _, secret = entry
    return (login or "", secret or "")


def without_userinfo(url: str) -> str:
    """Return ``url`` without the user name and password its host part may carry, to use or show it."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
