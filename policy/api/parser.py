"""Request parsing that refuses what the OpenAPI document does not allow."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser


class StrictParser(Parser):
    """A scalar query parameter given twice (``?q=a&q=b``) is an error, not "the last one".

    Django's QueryDict silently keeps the last value; passing the list on lets the schema
    refuse it with the usual 422 naming the parameter. A JSON body must be an object: ninja's
    schemas read attributes from any value, so ``[null, null]`` passed as a review with every
    field at its default and approved an update; anything else is a 400 ``invalid_json``.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("the JSON body must be an object")
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key in data:
            values = data.getlist(key)
            result[key] = values if key in list_fields or len(values) > 1 else values[0]
        return result
