"""Request and response schemas: they validate requests and produce the OpenAPI document.

One module per resource; the shared pieces are in `common`, and the field rules that services
and pages use too (lengths, places, moments, the rows of a person and a post) in
`coordinator.services.fields`."""
