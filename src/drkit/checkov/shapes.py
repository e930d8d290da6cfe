"""The shape of every property of a pulumi-aws resource, read from pulumi-aws's own type annotations.

Terraform plan JSON writes nested blocks as lists of objects but maps (tags, alarm dimensions, Backup opt-in
preferences) as plain objects; a Pulumi input is a plain object either way. Which one a property is must come from
the schema, not from its name or value, so this module asks the pulumi SDK for the output types pulumi-aws
declares on each resource class (`pulumi._types.resource_types`, the same lookup the SDK uses to deserialise a
resource's outputs) and follows nested output types the same way.
"""
from __future__ import annotations

import collections.abc
import functools
import importlib
import keyword
import typing
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
from pulumi import _types as pulumi_types

SCALAR, LIST, MAP, BLOCK = "scalar", "list", "map", "block"


@dataclass(frozen=True)
class Shape:
    """One property's kind; `item` for a list's elements and a map's values; `block` for a nested block's type."""

    kind: str
    item: Optional["Shape"] = None
    block: Optional[type] = None

    @property
    def fields(self) -> dict[str, "Shape"]:
        return _block_fields(self.block) if self.block is not None else {}


def resource_fields(type_token: str) -> dict[str, Shape] | None:
    """Pulumi property name -> Shape for a resource type, or None when pulumi-aws has no class for the token."""
    cls = _resource_class(type_token)
    return _resource_fields(cls) if cls is not None else None


@functools.lru_cache(maxsize=None)
def _resource_class(type_token: str) -> type | None:
    # "aws:s3/bucketVersioning:BucketVersioning" lives in pulumi_aws.s3 as class BucketVersioning
    try:
        package, module_path, kind = type_token.split(":")
    except ValueError:
        return None
    module = module_path.split("/")[0]
    module = f"{module}_" if keyword.iskeyword(module) else module  # pulumi_aws.lambda_
    qualified = f"pulumi_{package}" if module == "index" else f"pulumi_{package}.{module}"
    try:
        cls = getattr(importlib.import_module(qualified), kind, None)
    except ImportError:
        return None
    return cls if isinstance(cls, type) and issubclass(cls, pulumi.CustomResource) else None


@functools.lru_cache(maxsize=None)
def _resource_fields(cls: type) -> dict[str, Shape]:
    return {name: shape_of(annotation) for name, annotation in pulumi_types.resource_types(cls).items()}


@functools.lru_cache(maxsize=None)
def _block_fields(cls: type) -> dict[str, Shape]:
    return {name: shape_of(annotation) for name, annotation in pulumi_types.output_type_types(cls).items()}


def shape_of(annotation: Any) -> Shape:
    annotation = pulumi_types.unwrap_type(annotation)
    origin = typing.get_origin(annotation)
    if origin in (list, collections.abc.Sequence):
        args = typing.get_args(annotation)
        return Shape(LIST, item=shape_of(args[0]) if args else Shape(SCALAR))
    if origin in (dict, collections.abc.Mapping):
        args = typing.get_args(annotation)
        return Shape(MAP, item=shape_of(args[1]) if len(args) == 2 else Shape(SCALAR))
    if isinstance(annotation, type) and pulumi_types.is_output_type(annotation):
        return Shape(BLOCK, block=annotation)
    return Shape(SCALAR)
