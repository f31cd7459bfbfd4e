"""Schemathesis hooks for scripts/schemathesis.sh.

The omnichannel reports take `start` and `end` in any of the forms the OpenAPI pattern allows, but also
require start <= end and at most 1.01 years between them: a rule between two parameters, which OpenAPI
cannot state (the parameters' descriptions do). Generated cases get `end = start`, a pair that always
satisfies it, so that positive_data_acceptance tests the forms and not the cross-parameter rule. The insights
have the same rule (end not before start, at most 731 days), and a room's history needs a room that exists:
the demo data's `old-project`.
"""
import schemathesis

OMNICHANNEL = "/api/v1/livechat/analytics/dashboards/"
INSIGHTS = "/rc-analytics/api/v1/insights/"


@schemathesis.hook
def map_query(context, query):
    operation = getattr(context, "operation", None)
    path = getattr(operation, "path", "") if operation is not None else ""
    if query and path.startswith((OMNICHANNEL, INSIGHTS)) and isinstance(query.get("start"), str):
        query["end"] = query["start"]
    if query is not None and path == INSIGHTS + "channels/history":
        query["roomId"] = "old-project"
    return query
