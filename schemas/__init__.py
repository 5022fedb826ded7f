"""The wire format: marshmallow schemas, one module per resource."""
