"""Permissions of the guichet (declared in permissions.zcml, given to roles
in profiles/default/rolemap.xml)."""

AddProcedure = "imio.guichet: Add Procedure"
ReadSubmissions = "imio.guichet: Read submissions"
ManageSubmissions = "imio.guichet: Manage submissions"
DelegateBackOfficeRole = "imio.guichet: Delegate back office role"
ViewAuditTrail = "imio.guichet: View audit trail"
#: Webhook subscriptions and machine API tokens.
ManageIntegrations = "imio.guichet: Manage integrations"
#: Publish a procedure as a model for other sites (anonymous readers see
#: it whatever the procedure's workflow state): Site Administrators.
ShareModel = "imio.guichet: Share procedure models"
#: ``@@guichet-metrics`` (also open to the control panel's addresses).
ReadMetrics = "imio.guichet: Read metrics"

#: Anonymise or delete one request now (retention): Site Administrators.
EraseSubmissions = "imio.guichet: Erase submissions"
#: Put a request under a legal hold, or lift it: Site Administrators and
#: back offices (a hold only keeps a request from being purged).
PlaceLegalHold = "imio.guichet: Place legal hold"

#: Role of back-office staff and machine accounts, granted on the
#: procedures (or folders of procedures) whose submissions they handle.
BACK_OFFICE_ROLE = "GuichetBackOffice"
#: The register of processing activities (GDPR art. 30): Site
#: Administrators, or an account given it (the data protection officer).
ViewProcessingRegister = "imio.guichet: View register of processing activities"
#: Find everything held about one person (national register number or
#: e-mail), export it: the data protection officer's work (GDPR art. 15, 17).
AnswerDataSubjectRequests = "imio.guichet: Answer data subject requests"
#: See national register numbers in full (elsewhere they are masked).
ViewNationalRegisterNumbers = "imio.guichet: View national register numbers"
