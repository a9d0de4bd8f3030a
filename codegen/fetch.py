"""Collect the API's file descriptors from the pinned ``viam-sdk`` package.

Only ``make protos`` and the descriptor-equality test use this module; the
package is a development dependency, never a run-time one.
"""

from __future__ import annotations

import importlib
from importlib import metadata

from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pb2

# The API surface this project covers: the cloud app services, provisioning,
# the shared common types, the tagger options and RPC authentication.
ROOT_MODULES = (
    "app.v1.app",
    "app.v1.billing",
    "app.v1.end_user",
    "app.v1.robot",
    "app.data.v1.data",
    "app.datasync.v1.data_sync",
    "app.dataset.v1.dataset",
    "app.mltraining.v1.ml_training",
    "app.packages.v1.packages",
    "app.agent.v1.agent",
    "app.cloudslam.v1.cloud_slam",
    "app.datapipelines.v1.data_pipelines",
    "app.mlinference.v1.ml_inference",
    "provisioning.v1.provisioning",
    "common.v1.common",
    "tagger.v1.tagger",
    "proto.rpc.v1.auth",
)

SOURCE_PACKAGE = "viam-sdk"

# Files protoc already ships (well-known types), and files that only carry
# options we drop.
SKIPPED_PREFIXES = ("google/protobuf/", "google/api/")


def source_version() -> str:
    return metadata.version(SOURCE_PACKAGE)


def collect() -> dict[str, descriptor_pb2.FileDescriptorProto]:
    """Every file the root modules need, keyed by upstream path, sorted."""
    found: dict[str, _descriptor.FileDescriptor] = {}

    def walk(fd: _descriptor.FileDescriptor) -> None:
        if fd.name in found:
            return
        found[fd.name] = fd
        for dep in fd.dependencies:
            walk(dep)

    for name in ROOT_MODULES:
        module = importlib.import_module(f"viam.gen.{name}_pb2")
        walk(module.DESCRIPTOR)
    result: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    for path in sorted(found):
        proto = descriptor_pb2.FileDescriptorProto()
        found[path].CopyToProto(proto)
        result[path] = proto
    return result


def wanted(path: str) -> bool:
    return not path.startswith(SKIPPED_PREFIXES)
