"""Small resource graphs for tests, in the documented graph JSON shape."""
from __future__ import annotations

import json
from typing import Any

from drkit.graph.resource_graph import Graph, graph_from_json

PROJECT, STACK = "ecommerce-dr", "test"
ACCOUNT = "111122223333"
BASE_TAGS = {"Project": "ecommerce-dr", "Environment": "test", "Owner": "team@example.com",
             "CostCenter": "CC-1", "DataClassification": "internal"}


class GraphBuilder:
    """Builds a graph with a root stack and one AWS provider per DR role; add resources by type and inputs."""

    def __init__(self, primary: str = "us-east-1", secondary: str = "us-west-2", *, stack: str = STACK):
        self.stack = stack
        self.root = f"urn:pulumi:{stack}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{stack}"
        self.items: list[dict[str, Any]] = [self._item(self.root, "pulumi:pulumi:Stack", f"{PROJECT}-{stack}",
                                                       custom=False, parent=None)]
        self.providers: dict[str, str] = {}
        for role, region in (("primary", primary), ("secondary", secondary)):
            self.provider(role, region)

    def urn(self, type_token: str, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{PROJECT}::{type_token}::{name}"

    def _item(self, urn, type_token, name, *, custom=True, parent=..., provider=None, inputs=None, deps=None):
        return {"urn": urn, "type": type_token, "name": name, "custom": custom,
                "parent": self.root if parent is ... else parent, "provider": provider,
                "dependencies": list(deps or []), "inputs": inputs or {}, "propertyDependencies": {}, "options": {}}

    def provider(self, role: str, region: str, tags: dict[str, str] | None = None) -> str:
        tags = {**BASE_TAGS, "DRRole": role} if tags is None else tags
        urn = self.urn("pulumi:providers:aws", f"aws-{role}")
        self.items = [i for i in self.items if i["urn"] != urn]
        self.items.append(self._item(urn, "pulumi:providers:aws", f"aws-{role}", inputs={
            "region": region, "defaultTags": json.dumps({"tags": tags})}))
        self.providers[role] = urn
        return urn

    def add(self, type_token: str, name: str, inputs: dict[str, Any] | None = None, *, role: str = "primary",
            deps: list[str] | None = None) -> str:
        urn = self.urn(type_token, name)
        self.items.append(self._item(urn, type_token, name, provider=self.providers[role], inputs=inputs or {},
                                     deps=deps))
        return urn

    def depends(self, urn: str, prop: str, *target_urns: str) -> None:
        """Records, as the engine does, that input `prop` of resource `urn` was computed from `target_urns`."""
        item = next(i for i in self.items if i["urn"] == urn)
        item["propertyDependencies"][prop] = list(target_urns)
        item["dependencies"] = list(dict.fromkeys([*item["dependencies"], *target_urns]))

    def component(self, type_token: str, name: str) -> str:
        urn = self.urn(type_token, name)
        self.items.append(self._item(urn, type_token, name, custom=False))
        return urn

    def to_json(self) -> dict[str, Any]:
        return {"project": PROJECT, "stack": self.stack, "outputs": {}, "resources": self.items}

    def build(self) -> Graph:
        return graph_from_json(json.loads(json.dumps(self.to_json())))
