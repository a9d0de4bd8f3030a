"""The areas of ``viam_sdk.app.ml_training_client.MLTrainingClient``, one mixin class per module.

``_base.MLTrainingClientBase`` holds the MLTrainingService stub; ``jobs``
(training jobs and their logs) and ``containers`` (custom training
containers) each define one subclass of it, and ``MLTrainingClient`` inherits
them both.  Nothing here is imported until
``viam_sdk.app.ml_training_client`` is.
"""
