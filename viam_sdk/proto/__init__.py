"""The generated message and service types under the names the seed API uses.

``viam_sdk.proto.app`` is ``viam_api.app.v1``, ``viam_sdk.proto.app.data`` is
``viam_api.app.data.v1``, and so on; nothing here is re-declared.
"""
