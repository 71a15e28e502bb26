"""Talk to CBS OData v3 through the ``cbsodata`` client, at CBS or at another base URL.

``cbsodata`` keeps its host in a module-level option (``options.catalog_url``) and its scheme
in ``options.use_https``; :func:`cbs_endpoint` sets both for the duration of a block and puts
them back, so a mirror, a proxy or a local test server can stand in for opendata.cbs.nl.

Tables come down with ``download_data`` rather than ``get_data``: ``get_data`` replaces every
dimension key in the rows by its title (wijk *names* where the codes were); ``download_data``
keeps the raw keys and gives the dimension lists beside them, so codes and names both survive.
Responses are cached as JSON per table (atomic write) with the catalogue's ``Modified`` stamp:
a table is fetched again only when CBS changed it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import WmoError
from .catalog import CATALOG_FIELDS, TableRef

DEFAULT_URL = "https://opendata.cbs.nl"
ENV_URL = "WMO_XL_CBS_URL"
#: Seconds before one HTTP request gives up (CBS pages of 10,000 rows take a few seconds).
TIMEOUT = 120.0

#: The data-set filter we send for KWB: wijk rows only (it also has ~14,000 buurten). A
#: dimension filter, the kind CBS documents; if the service refuses it, the whole table is
#: fetched and the wijk rows are picked out locally (parse does that in any case).
KWB_FILTER = "substringof('WK',WijkenEnBuurten)"


def resolve_url(url: str | None) -> str:
    """The base URL to use: the argument, else $WMO_XL_CBS_URL, else CBS; checked."""
    raw = url or os.environ.get(ENV_URL) or DEFAULT_URL
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise WmoError(f"CBS URL {raw!r} not understood: give http://HOST[:PORT][/PATH] or https://..., e.g. {DEFAULT_URL}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


@contextmanager
def cbs_endpoint(url: str) -> Iterator[str]:
    """Point ``cbsodata`` at ``url`` (scheme + host[:port][/path]) inside the block."""
    import cbsodata

    parts = urlsplit(url)
    old_https = cbsodata.options.use_https
    cbsodata.options.use_https = parts.scheme == "https"
    try:
        yield f"{parts.netloc}{parts.path}"
    finally:
        cbsodata.options.use_https = old_https


def _short(exc: BaseException) -> str:
    """The cause of a network error, whole and short: the innermost reason (urllib3's
    ``MaxRetryError.reason``, the exception chain), without object addresses or retry
    boilerplate, cut at a word boundary, never mid-word ("(Caused by N")."""
    return cause_text(exc)


def cause_text(exc: BaseException, limit: int = 160) -> str:
    """See :func:`_short`."""
    inner, seen = exc, set()
    while id(inner) not in seen:
        seen.add(id(inner))
        nxt = getattr(inner, "reason", None)
        if not isinstance(nxt, BaseException) and inner.args and isinstance(inner.args[0], BaseException):
            nxt = inner.args[0]
        if not isinstance(nxt, BaseException):
            nxt = inner.__cause__
        if not isinstance(nxt, BaseException):
            break
        inner = nxt
    text = str(inner).splitlines()[0].strip() if str(inner).strip() else type(inner).__name__
    text = re.sub(r"^\w*Connection(?:Pool)?\([^)]*\):\s*", "", text)  # "HTTPConnection(host=..., port=1): "
    text = re.sub(r"<[^<>]* object at 0x[0-9a-fA-F]+>:?\s*", "", text)
    host = re.search(r"host='([^']+)'", str(exc))
    if host and host.group(1) not in text:
        text = f"{host.group(1)}: {text}"
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:(") + " ..."
    return text


def table_list(url: str) -> list[dict[str, Any]]:
    """The CBS catalogue (selected fields of every table)."""
    import cbsodata

    with cbs_endpoint(url) as host:
        try:
            return list(cbsodata.get_table_list(select=CATALOG_FIELDS, catalog_url=host, timeout=TIMEOUT))
        except Exception as exc:  # network, proxy, CBS down: one line, no traceback
            raise WmoError(f"could not read the CBS catalogue at {url}: {_short(exc)} (check the internet connection or --cbs-url)") from None


def _cache_path(cache_dir: Path, url: str, ref: TableRef) -> Path:
    host = re.sub(r"[^A-Za-z0-9.-]+", "_", urlsplit(url).netloc + urlsplit(url).path)
    return cache_dir / host / f"{ref.identifier}.json"


def _write_json(obj: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fetch_table(ref: TableRef, url: str, cache_dir: Path) -> tuple[dict[str, list[dict[str, Any]]], bool]:
    """All resources of one table (data set with raw keys, dimension lists, DataProperties)
    and whether they came from the cache."""
    import cbsodata

    path = _cache_path(cache_dir, url, ref)
    if path.is_file():
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if cached.get("modified") == ref.modified and cached.get("resources"):
                return cached["resources"], True
        except (OSError, ValueError):
            pass  # a damaged cache file is fetched again
    import requests

    filters = KWB_FILTER if ref.kind == "kwb" else None
    with cbs_endpoint(url) as host:
        try:
            try:
                resources = cbsodata.download_data(ref.identifier, filters=filters, catalog_url=host, timeout=TIMEOUT)
            except requests.HTTPError:
                if filters is None:
                    raise
                resources = cbsodata.download_data(ref.identifier, catalog_url=host, timeout=TIMEOUT)
        except Exception as exc:
            raise WmoError(f"could not fetch CBS table {ref.identifier} ({ref.title}): {_short(exc)}") from None
    _write_json({"identifier": ref.identifier, "title": ref.title, "modified": ref.modified, "resources": resources}, path)
    return resources, False
