"""Large answers without holding them in memory.

Under WSGI, Zope's ``response.write()`` does not stream: it appends to an
in-memory buffer sent once the request is over. And an iterator that read
the ZODB while the server sends it would outlive the request's connection.
So large answers are written, batch by batch, to a temporary file while the
request runs, and the file itself becomes the body: the publisher hands it
to the WSGI server's ``wsgi.file_wrapper``, which sends it from disk.
"""

from collections.abc import Callable
from typing import IO

import tempfile


def spooled(produce: Callable[[Callable[[bytes], object]], object]) -> IO[bytes]:
    """Run ``produce(write)`` into a temporary file; return it, rewound.

    Return the file from ``render()``: ``setBody`` sets Content-Length from
    it, and it is deleted once closed (after sending).
    """
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the server closes it
    try:
        produce(spool.write)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool
