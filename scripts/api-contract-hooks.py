# scripts/api-contract-hooks.py: schemathesis hooks for scripts/api-contract (loaded through SCHEMATHESIS_HOOKS).
#
# Why: schemathesis has no serializer for application/x-ndjson, the body of POST /v1/events.
# openapi.yaml describes that body as an array of event objects (OpenAPI 3.1 has no schema for
# a stream of JSON texts); this writes such an array as NDJSON, one compact object a line, so
# the route is exercised with the bodies a client sends. Anything that is not a list (negative
# cases) goes out as its JSON text, which the server must refuse with a 4xx.
import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, (bytes, bytearray)):
        return {"data": bytes(value)}
    if isinstance(value, list):
        text = "".join(json.dumps(item, separators=(",", ":"), ensure_ascii=False) + "\n" for item in value)
    else:
        text = json.dumps(value, ensure_ascii=False)
    return {"data": text.encode("utf-8")}
