"""The areas of ``viam_sdk.app.data_client.DataClient``, one mixin class per module.

``_base.DataClientBase`` holds the state every area uses (the DataService,
DataSyncService and DatasetService stubs) and the binary-ID helpers several
areas share; each area module (``queries``, ``captures``, ``deletes``,
``annotations``, ``datasets``, ``indexes``, ``uploads``, ``pipelines``) defines
one subclass of it with that area's methods, and ``DataClient`` inherits them
all.  Nothing here is imported until
``viam_sdk.app.data_client`` is.
"""
