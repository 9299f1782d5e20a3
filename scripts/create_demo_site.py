"""Create (once) the demo site; run by `make start` through zconsole.

.venv/bin/zconsole run instance/etc/zope.conf scripts/create_demo_site.py
"""

from imio.guichet.demo import ensure_demo_site
from Testing.makerequest import makerequest

import transaction


app = makerequest(globals()["app"])  # noqa: F821 - given by zconsole
portal = ensure_demo_site(app)
transaction.commit()
print(f"Demo site ready: /{portal.getId()}")
