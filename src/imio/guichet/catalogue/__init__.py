"""The public service catalogue: each published procedure described in the
EU's CPSV-AP 3.2.0 (JSON-LD, for service catalogues and the Single Digital
Gateway) and in schema.org (for search engines). See docs/catalogue.md."""
