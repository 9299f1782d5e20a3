"""Health and Prometheus metrics of the guichet (see docs/deployment.md,
"Health and metrics").

- :mod:`.counters`: what this process counts (filings, refusals, request
  latency, outbox attempts), per site, in registries of its own;
- :mod:`.readings`: what the stores say when asked (outbox backlogs, the
  feed's unsettled changes) and the database probe;
- :mod:`.exposition`: the text a Prometheus server scrapes;
- :mod:`.addresses`: which client addresses may scrape without logging in.

Nothing here reads a request: the channels hand in what they saw.
"""
