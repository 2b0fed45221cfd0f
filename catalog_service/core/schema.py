"""OpenAPI post-processing: every operation documents the error shape it can answer with."""

ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error shape of the API.",
    "properties": {
        "code": {"type": "string", "description": "Stable, machine-readable."},
        "message": {"type": "string"},
        "fields": {
            "type": "object",
            "description": "Per-field messages, for validation errors.",
            "additionalProperties": {},
        },
    },
    "required": ["code", "message"],
}

ERRORS = {
    "400": "Invalid input (see `fields`).",
    "401": "Not logged in, or the token is invalid.",
    "403": "Logged in, but not an admin.",
    "404": "Not found.",
    "405": "Method not allowed.",
    "406": "The Accept header asks for a format this operation does not produce.",
    "409": "Conflicts with the current state (duplicate, in use, last admin).",
    "412": "If-Match no longer matches.",
    "413": "Request body too large.",
    "415": "Unsupported content type (send JSON).",
    "429": "Too many requests; see Retry-After.",
    "500": "Unexpected server error.",
    "503": "A dependency (the database) is unavailable; retry shortly.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
