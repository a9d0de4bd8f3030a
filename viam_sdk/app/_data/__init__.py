"""The areas of ``viam_sdk.app.data_client.DataClient``, one mixin class per module.

``_base.DataClientBase`` holds the stubs every area uses (DataService,
DataSyncService, DatasetService, DataPipelinesService, declared on the client
base ``viam_sdk.app._client.ClientBase``) and the binary-ID helpers several
areas share; each area module (``queries``, ``captures``, ``deletes``,
``annotations``, ``datasets``, ``indexes``, ``uploads``, ``pipelines``,
``sequences``, ``frames``) defines one subclass of it with that area's methods
(an ``iter_*`` iterator beside its one-page sibling), and ``DataClient``
inherits them all.  ``tabular`` holds ``TabularData`` (public as
``DataClient.TabularData``) and ``files`` the formats ``dest=`` writes.
Nothing here is imported until ``viam_sdk.app.data_client`` is.
"""
