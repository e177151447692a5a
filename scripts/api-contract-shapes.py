# scripts/api-contract-shapes.py: checks that JSON documents the CLI printed match openapi.yaml's schemas.
#
#   python api-contract-shapes.py openapi.yaml SCHEMA=FILE [SCHEMA=FILE ...]
#
# SCHEMA is a name under components/schemas, or `[Name]` for an array of them. Why: the read
# routes answer with the documents of the CLI's `--json`; checking real output against the
# description keeps the two from drifting apart (a renamed field fails here, before any client).
import json
import sys

import referencing.jsonschema
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: api-contract-shapes.py openapi.yaml SCHEMA=FILE ...")
    with open(argv[1], encoding="utf-8") as f:
        document = yaml.safe_load(f)
    resource = Resource.from_contents(document, default_specification=referencing.jsonschema.DRAFT202012)
    registry = Registry().with_resource("urn:ebbflow-api", resource)
    failed = False
    for pair in argv[2:]:
        name, _, path = pair.partition("=")
        many = name.startswith("[") and name.endswith("]")
        ref = {"$ref": "urn:ebbflow-api#/components/schemas/" + name.strip("[]")}
        schema = {"type": "array", "items": ref} if many else ref
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        errors = list(Draft202012Validator(schema, registry=registry).iter_errors(data))
        for error in errors[:10]:
            where = "/".join(str(p) for p in error.absolute_path) or "(top)"
            print(f"{name} ({path}) at {where}: {error.message[:300]}", file=sys.stderr)
        failed = failed or bool(errors)
        if not errors:
            count = f"{len(data)} item(s)" if many else "ok"
            print(f"api-contract: {name} matches openapi.yaml ({count})", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv)
