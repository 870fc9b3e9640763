"""The Datasette site: settings, generated metadata, pages, canned queries and the OpenAPI description."""
