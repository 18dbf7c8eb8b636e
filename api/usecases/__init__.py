"""The use cases of the application service, one mixin per resource, composed in ``api.application``."""
