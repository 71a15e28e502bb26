"""CBS StatLine open data (OData v3) in: find tables by title, fetch them, parse them.

``catalog`` reads the table list and picks the Wmo and KWB tables per year, ``fetch`` talks
to CBS (or a mirror, proxy or test server) through the ``cbsodata`` client and caches what it
got, ``parse`` turns raw responses into wijk rows, ``link`` bridges CBS's 2024 method break,
and ``update`` ties them together and writes the folder ``wmo-xl train --data`` reads.
The package imports nothing heavy until a function is called.
"""

from __future__ import annotations
