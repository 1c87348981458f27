#!/usr/bin/env python3
"""Prints the key reference of docs/config.md from config/schema.json.

Usage: scripts/gen-config-reference.py > /tmp/ref.md   (paste between the markers)
"""
import json
import sys

schema = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "config/schema.json"))


def resolve(node):
    ref = node.get("$ref")
    if ref:
        target = schema
        for part in ref[2:].split("/"):
            target = target[part]
        return target
    return node


def type_of(node):
    t = node.get("type", "any")
    return " \\| ".join(t) if isinstance(t, list) else t


def constraints(node):
    parts = []
    if "enum" in node:
        parts.append("one of " + ", ".join(f"`{v}`" for v in node["enum"]))
    if "minimum" in node:
        parts.append(f">= {node['minimum']}")
    if "maximum" in node:
        parts.append(f"<= {node['maximum']}")
    if "pattern" in node:
        parts.append(f"matches `{node['pattern']}`")
    return "; ".join(parts)


def walk(node, pointer, rows):
    node = resolve(node)
    default = node.get("default")
    if pointer:
        d = "" if default is None or isinstance(default, dict) else f"`{json.dumps(default)}`"
        desc = node.get("description", "")
        extra = constraints(node)
        items = node.get("items") if isinstance(node.get("items"), dict) else {}
        key = items.get("x-merge-key")
        if key:
            keys = " else ".join(f"`{k}`" for k in ([key] if isinstance(key, str) else key))
            desc = f"{desc} Overlays merge entries by {keys}."
        rows.append(f"| `{pointer}` | {type_of(node)} | {d} | {desc}{' (' + extra + ')' if extra else ''} |")
    for key, child in node.get("properties", {}).items():
        walk(child, f"{pointer}/{key}", rows)
    if isinstance(node.get("additionalProperties"), dict):
        walk(node["additionalProperties"], f"{pointer}/<name>", rows)
    if isinstance(node.get("items"), dict) and node["items"].get("type") == "object":
        walk(node["items"], f"{pointer}/<i>", rows)


rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
walk(schema, "", rows)
print("\n".join(rows))
