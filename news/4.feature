Back offices acknowledge a submission with `POST @submissions/{id}/@ack`
(idempotent; who, when and their own reference are recorded), list what no
back office took yet with `?acknowledged=false`, and move a submission
along its lifecycle with `PATCH @submissions/{id}` guarded by `ETag` /
`If-Match` (412 on a stale version, 409 on a transition that is not
allowed, 428 without `If-Match`).
`POST {procedure}/@submissions` honours an `Idempotency-Key` header: a
retried request answers the first result and never files twice.
An OpenAPI 3.1 document of every endpoint, served at `@guichet-openapi` and
kept in `docs/openapi.yaml`, checked against the registered routes and real
answers by the tests.
The change feed `GET @submissions?since=<cursor>`: everything created or
changed after the cursor, in commit order, so that a submission committed
while a back office reads is never skipped by its next read.
An audit trail of staff access (reads, listing and feed pages,
acknowledgements, state changes), kept out of the catalog and shown to Site
Administrators at `@guichet-audit` (JSON pages or streamed CSV).
Exports of a procedure's submissions as CSV, XLSX or JSON Lines, also from the command line
(`@submissions-export`), filtered by state and creation day, streamed in
batches and audited.
