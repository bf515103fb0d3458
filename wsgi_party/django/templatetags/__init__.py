"""Template tag libraries of ``wsgi_party.django``: ``{% load wsgi_party %}``."""
