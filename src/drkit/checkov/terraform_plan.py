"""A Pulumi resource graph written as a Terraform plan (`terraform show -json`, format 1.2) for checkov.

Every `aws:` custom resource becomes a managed resource of its Terraform type (typemap.py) with its inputs
renamed to Terraform attributes and shaped the way the plan format shapes them, from pulumi-aws's own schema
(shapes.py): nested objects as one-element block lists, lists of objects as lists of blocks, maps kept as maps.

References: checkov connects resources (a bucket and its versioning, public access block, logging ...) through
`configuration.root_module.resources[].expressions[attr].references`, but only where the planned value is unknown
— its plan parser substitutes the first reference for a missing value and then draws a graph edge from the
reference string (checkov/terraform/plan_parser.py `_add_references`). So an input whose value came from another
resource (the graph's propertyDependencies) and is an identifier — a name, id or ARN, alone or in a list — is
written as a fresh `terraform plan` would write it before either resource exists: absent from `values`, marked in
`after_unknown`, with the references in `configuration`. Documents built from other resources (policies, container
definitions, dashboards) and nested blocks keep their known values, so checks can still read them; their
references are recorded too but draw no edge. Values the graph itself holds as unknown are written unknown.

Extras a real plan also has: each regional resource's `region`, and `tags_all` = the provider's default tags
merged with the resource's own. The plan carries its own address -> Pulumi URN map under the top-level `drkit`
key (checkov ignores unknown keys), so every finding can be traced back to the Pulumi resource.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drkit.checkov.shapes import BLOCK, LIST, MAP, Shape, resource_fields
from drkit.checkov.typemap import terraform_attribute, terraform_name, terraform_type
from drkit.graph.resource_graph import REDACTED, SECRET_SIG, SIG_KEY, UNKNOWN, Graph, Resource

PROVIDER_NAME = "registry.terraform.io/hashicorp/aws"
FORMAT_VERSION = "1.2"
# The plan format is Terraform 1.9's; checkov only requires the key to recognise a plan.
TERRAFORM_VERSION = "1.9.0"
_IDENTIFIER = re.compile(r"^[^\s{\[][^\s]*$")


class _Unknown:
    def __repr__(self) -> str:
        return "<unknown>"


_UNKNOWN = _Unknown()


@dataclass(frozen=True)
class _Sensitive:
    value: Any


@dataclass
class TerraformPlan:
    document: dict[str, Any]
    urns: dict[str, str]  # Terraform address -> Pulumi URN

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.document, indent=1) + "\n")
        tmp.replace(path)


def urns_from_plan(document: dict[str, Any]) -> dict[str, str]:
    drkit = document.get("drkit") if isinstance(document, dict) else None
    urns = drkit.get("urns") if isinstance(drkit, dict) else None
    return dict(urns) if isinstance(urns, dict) else {}


AWS_TYPE_PREFIX = "aws:"


def build_plan(graph: Graph) -> TerraformPlan:
    by_urn = graph.by_urn()
    # Only `aws:` resources: checkov's plan checks are for the AWS provider's types. The storefront's image build
    # (docker-build:index:Image) has no Terraform equivalent; the pack and the program's tests check it.
    managed = [r for r in graph if r.custom and not r.is_provider and r.type.startswith(AWS_TYPE_PREFIX)]
    addresses = _addresses(managed)
    planned, changes, configured = [], [], []
    for resource in managed:
        address = addresses[resource.urn]
        tf_type, tf_name = address.split(".", 1)
        provider = by_urn.get(resource.provider or "")
        values, expressions = _resource_values(graph, resource, provider, addresses)
        known, unknown = _split_unknown(values)
        known, sensitive = _split_sensitive(known)
        header = {"address": address, "mode": "managed", "type": tf_type, "name": tf_name,
                  "provider_name": PROVIDER_NAME}
        planned.append({**header, "schema_version": 0, "values": known, "sensitive_values": sensitive or {}})
        changes.append({**header, "change": {"actions": ["create"], "before": None, "after": known,
                                             "after_unknown": unknown or {}, "before_sensitive": False,
                                             "after_sensitive": sensitive or {}}})
        configured.append({**header, "provider_config_key": _provider_key(provider), "expressions": expressions})
    urns = {addresses[r.urn]: r.urn for r in managed}
    # checkov's provider checks name a provider "aws.<alias>", the key of its provider_config entry.
    urns.update({_provider_key(p): p.urn for p in graph if p.type == "pulumi:providers:aws"})
    document = {
        "format_version": FORMAT_VERSION,
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {"provider_config": _provider_config(graph), "root_module": {"resources": configured}},
        "drkit": {"project": graph.project, "stack": graph.stack,
                  "note": "written by drkit from the Pulumi resource graph; 'urns' maps addresses to Pulumi URNs",
                  "urns": urns},
    }
    return TerraformPlan(document, urns)


def _addresses(resources: list[Resource]) -> dict[str, str]:
    # Pulumi names are unique per type and parent, Terraform addresses per type only: suffix repeats.
    taken: set[str] = set()
    result = {}
    for resource in resources:
        base = f"{terraform_type(resource.type)}.{terraform_name(resource.name)}"
        address, counter = base, 2
        while address in taken:
            address, counter = f"{base}_{counter}", counter + 1
        taken.add(address)
        result[resource.urn] = address
    return result


def _resource_values(graph: Graph, resource: Resource, provider: Resource | None,
                     addresses: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    fields = resource_fields(resource.type)
    values: dict[str, Any] = {}
    expressions: dict[str, Any] = {}
    for name, raw in resource.inputs.items():
        attribute = terraform_attribute(resource.type, (), name)
        shape = fields.get(name) if fields is not None else None
        values[attribute] = _convert(resource.type, raw, shape, (name,))
        referenced = [addresses[urn] for urn in resource.property_dependencies.get(name, []) if urn in addresses]
        if referenced:
            expressions[attribute] = {"references": _references(referenced, raw)}
            if _is_identifier(raw):
                values[attribute] = _UNKNOWN
    if fields is not None and "region" in fields and "region" not in values:
        region = graph.region_of(resource)
        if region:
            values["region"] = region
    if fields is not None and "tagsAll" in fields and "tags_all" not in values:
        tags_all = {**_default_tags(provider), **(resource.inputs.get("tags") or {})}
        if tags_all and not _contains_unknown(tags_all):
            values["tags_all"] = tags_all
    return values, expressions


def _convert(type_token: str, raw: Any, shape: Shape | None, path: tuple[str, ...]) -> Any:
    if raw == UNKNOWN:
        return _UNKNOWN
    if isinstance(raw, dict) and raw.get(SIG_KEY) == SECRET_SIG:
        return _Sensitive(REDACTED)
    if isinstance(raw, dict) and SIG_KEY in raw:
        # An asset or archive (a Lambda's code): Terraform holds a file name there.
        return str(raw.get("path") or raw.get("uri") or "pulumi-archive")
    if shape is not None and shape.kind == MAP and isinstance(raw, dict):
        item = shape.item
        return {key: _convert(type_token, value, item, path) for key, value in raw.items()}
    if isinstance(raw, dict) and (shape is None or shape.kind == BLOCK):
        # Terraform writes every nested block, even one allowed at most once, as a list of blocks.
        return [_block(type_token, raw, shape, path)]
    if isinstance(raw, list):
        item = shape.item if shape is not None and shape.kind == LIST else None
        if item is not None and item.kind == BLOCK or item is None and any(isinstance(e, dict) for e in raw):
            return [_block(type_token, e, item, path) if isinstance(e, dict) else _convert(type_token, e, item, path)
                    for e in raw]
        return [_convert(type_token, e, item, path) for e in raw]
    return raw


def _block(type_token: str, raw: dict[str, Any], shape: Shape | None, path: tuple[str, ...]) -> dict[str, Any]:
    fields = shape.fields if shape is not None else {}
    return {terraform_attribute(type_token, path, name): _convert(type_token, value, fields.get(name), (*path, name))
            for name, value in raw.items()}


def _is_identifier(raw: Any) -> bool:
    if isinstance(raw, str):
        return bool(_IDENTIFIER.match(raw))
    return isinstance(raw, list) and bool(raw) and all(isinstance(e, str) and _IDENTIFIER.match(e) for e in raw)


def _references(addresses: list[str], raw: Any) -> list[str]:
    # Terraform lists "type.name.attribute" then "type.name" for each resource an expression reads.
    first = raw[0] if isinstance(raw, list) and raw else raw
    attribute = "arn" if isinstance(first, str) and first.startswith("arn:") else "id"
    references: list[str] = []
    for address in dict.fromkeys(addresses):
        references += [f"{address}.{attribute}", address]
    return references


def _split_unknown(value: Any) -> tuple[Any, Any]:
    """(value with unknowns removed, Terraform's after_unknown mask for it: True, a nested mask, or None)."""
    if value is _UNKNOWN:
        return None, True
    if isinstance(value, dict):
        known, mask = {}, {}
        for key, item in value.items():
            item_known, item_mask = _split_unknown(item)
            if item_mask is not True:
                known[key] = item_known
            if item_mask:
                mask[key] = item_mask
        return known, mask or None
    if isinstance(value, list):
        pairs = [_split_unknown(item) for item in value]
        masks = [m or False for _, m in pairs]
        return [k for k, _ in pairs], masks if any(masks) else None
    return value, None


def _split_sensitive(value: Any) -> tuple[Any, Any]:
    if isinstance(value, _Sensitive):
        return value.value, True
    if isinstance(value, dict):
        known, mask = {}, {}
        for key, item in value.items():
            known[key], item_mask = _split_sensitive(item)
            if item_mask:
                mask[key] = item_mask
        return known, mask or None
    if isinstance(value, list):
        pairs = [_split_sensitive(item) for item in value]
        masks = [m or False for _, m in pairs]
        return [k for k, _ in pairs], masks if any(masks) else None
    return value, None


def _contains_unknown(value: Any) -> bool:
    if value == UNKNOWN or value is _UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return False


def _default_tags(provider: Resource | None) -> dict[str, Any]:
    text = provider.inputs.get("defaultTags") if provider is not None else None
    try:
        parsed = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        return {}
    tags = parsed.get("tags") if isinstance(parsed, dict) else None
    return dict(tags) if isinstance(tags, dict) else {}


def _provider_key(provider: Resource | None) -> str:
    return f"aws.{terraform_name(provider.name)}" if provider is not None else "aws"


def _provider_config(graph: Graph) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for provider in graph:
        if provider.type != "pulumi:providers:aws":
            continue
        expressions: dict[str, Any] = {}
        region = provider.inputs.get("region")
        if isinstance(region, str) and region != UNKNOWN:
            expressions["region"] = {"constant_value": region}
        tags = _default_tags(provider)
        if tags:
            expressions["default_tags"] = [{"tags": {"constant_value": tags}}]
        config[_provider_key(provider)] = {"name": "aws", "full_name": PROVIDER_NAME,
                                           "alias": terraform_name(provider.name), "expressions": expressions}
    return config
