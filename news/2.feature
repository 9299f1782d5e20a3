First release of imio.guichet: the "Démarche" (procedure) content type with its
information sections and its online form (plone.supermodel XML, versioned),
the citizen's form rendered with z3c.form and a confirmation with a
phone-friendly reference, a submission store built for 100,000+ submissions
per site, the REST endpoints `@form-schema` (JSON Schema 2020-12) and
`@submissions` (file, list with an opaque cursor, read), a back-office role
and permissions, a control panel, and `make start` / `make test`.
