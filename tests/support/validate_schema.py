#!/usr/bin/env python3
"""Validates JSON documents against the subset of JSON Schema that
docs/status.schema.json uses: type (a name or a list of names), enum,
required, properties, additionalProperties (a schema for the values of
properties not listed; extra properties are allowed otherwise), items.
Standard library only. Prints every violation with its JSON path.
usage: validate_schema.py SCHEMA FILE...   (exit 0: all valid, 1: not)"""
import json
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}
KNOWN = {"$schema", "$id", "title", "description", "type", "enum", "required", "properties",
         "additionalProperties", "items"}


def validate(value, schema, path, errors):
    unknown = set(schema) - KNOWN
    if unknown:
        raise SystemExit(f"schema at {path}: keywords this validator does not implement: {sorted(unknown)}")
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[name](value) for name in names):
            errors.append(f"{path}: expected {'|'.join(names)}, got {json.dumps(value)[:60]}")
            return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {json.dumps(value)} is not one of {schema['enum']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: required field '{key}' is missing")
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                validate(item, properties[key], f"{path}.{key}", errors)
            elif isinstance(schema.get("additionalProperties"), dict):
                validate(item, schema["additionalProperties"], f"{path}.{key}", errors)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            validate(item, schema["items"], f"{path}[{index}]", errors)


def main() -> int:
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    failed = False
    for name in sys.argv[2:]:
        with open(name) as f:
            document = json.load(f)
        errors = []
        validate(document, schema, "$", errors)
        for error in errors:
            print(f"{name}: {error}")
        failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
