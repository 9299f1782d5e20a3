"""Personal data by design: what citizens are told before they give their
data (the privacy information of each procedure and its notice) and the
register of processing activities (GDPR art. 30), computed from the
procedures when asked. See docs/privacy-information.md."""
