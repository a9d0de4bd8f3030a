"""Code generator: .proto files -> typed model -> Jinja templates -> Python modules.

Nothing in this package knows about Viam in particular; it works on any set of
proto3 files.
"""
