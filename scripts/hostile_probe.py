"""Hostile requests to every operation of the API's OpenAPI schema (run by
scripts/schemathesis.sh after schemathesis, against the same server and token):

- a NUL character as every path parameter and every query parameter;
- JSON nested 100,000 deep, and JSON holding a NUL, to every operation with a body.

No answer may be a server error (5xx). schemathesis explores what the schema allows;
these are what it does not send on every run. Usage: hostile_probe.py BASE TOKEN.
"""

import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

DEEP = "[" * 100_000 + "]" * 100_000
BODIES = [DEEP, '{"a":' * 50_000 + "1" + "}" * 50_000, '{"note": "a\\u0000b"}']


def ask(method: str, url: str, token: str, body: str | None = None) -> int:
    request = urllib.request.Request(url, method=method, data=body.encode() if body else None,
                                     headers={"Authorization": f"Token {token}",
                                              "Content-Type": "application/json",
                                              "Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def probes(schema: dict):
    """(method, path with NUL parameters, query, body) for every hostile request."""
    for template, operations in schema["paths"].items():
        path = re.sub(r"\{[^}]+\}", "%00", template)
        plain = re.sub(r"\{[^}]+\}", "1", template)
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            method = method.upper()
            if "{" in template:
                yield method, path, "", None
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    yield method, plain, urllib.parse.quote(parameter["name"]) + "=%00", None
            if "requestBody" in operation:
                for body in BODIES:
                    yield method, plain, "", body


def main(base: str, token: str) -> int:
    schema = json.loads(urllib.request.urlopen(
        urllib.request.Request(f"{base}/api/schema/?format=json",
                               headers={"Authorization": f"Token {token}"})).read())
    failures, count = [], 0
    for method, path, query, body in probes(schema):
        status = ask(method, f"{base}{path}{'?' + query if query else ''}", token, body)
        count += 1
        if status >= 500:
            failures.append(f"{status} {method} {path}?{query} {(body or '')[:40]}")
    print(f"hostile probe: {count} requests, {len(failures)} server errors")
    for failure in failures:
        print("  " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
