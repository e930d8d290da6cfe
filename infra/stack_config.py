"""Reads this project's stack config from the Pulumi runtime as plain values for `parse_stack_config`."""
import json
from typing import Any

import pulumi

from drcore.stack_config import TOP_LEVEL_KEYS


def read_raw_config(project: str) -> dict[str, Any]:
    config = pulumi.Config(project)
    raw: dict[str, Any] = {}
    for key in TOP_LEVEL_KEYS:
        text = config.get(key)
        if text is None:
            continue
        try:
            raw[key] = json.loads(text)  # objects, lists and numbers arrive as JSON text
        except ValueError:
            raw[key] = text  # plain strings such as region names
    return raw
