"""Create (once) the demo site; run by `make start` through zconsole.

.venv/bin/zconsole run instance/etc/zope.conf scripts/create_demo_site.py
"""

from imio.guichet.demo import ensure_demo_site
from Testing.makerequest import makerequest

import os
import transaction


app = makerequest(globals()["app"])  # noqa: F821 - given by zconsole
# The address `make start` serves (GUICHET_DEMO_URL, set by the Makefile):
# the demo site's public URL, for the links in its e-mails.
# The demonstration identity provider `make start` runs (GUICHET_DEMO_OIDC),
# and its demonstration population register (GUICHET_DEMO_REGISTER).
portal = ensure_demo_site(
    app,
    served_at=os.environ.get("GUICHET_DEMO_URL"),
    identity_provider=os.environ.get("GUICHET_DEMO_OIDC"),
    register=os.environ.get("GUICHET_DEMO_REGISTER"),
)
transaction.commit()
print(f"Demo site ready: /{portal.getId()}")
