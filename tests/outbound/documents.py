"""The outgoing webhooks' GraphQL documents the tests send."""

from __future__ import annotations

ENDPOINT_FIELDS = (
    "id url subscription variables description enabled disabledReason secret createdAt parallel"
)

CREATE = f"""
mutation($input: CreateWebhookEndpointInput!) {{
  createWebhookEndpoint(input: $input) {{
    endpoint {{ {ENDPOINT_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

UPDATE = f"""
mutation($input: UpdateWebhookEndpointInput!) {{
  updateWebhookEndpoint(input: $input) {{
    endpoint {{ {ENDPOINT_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

DELETE = """
mutation($id: ID!) {
  deleteWebhookEndpoint(id: $id) { deletedId userErrors { field message code } }
}"""

ROTATE = f"""
mutation($id: ID!) {{
  rotateWebhookSecret(id: $id) {{
    endpoint {{ {ENDPOINT_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}"""

ENDPOINTS = f"{{ webhookEndpoints {{ {ENDPOINT_FIELDS} }} }}"

DELIVERIES = """
query($endpoint: ID!, $first: Int, $after: String, $status: WebhookDeliveryStatus) {
  webhookDeliveries(endpoint: $endpoint, first: $first, after: $after, status: $status) {
    nodes {
      id status attempts lastStatusCode lastError nextAttemptAt createdAt
      history { at statusCode durationMs error }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""

REDELIVER = """
mutation($delivery: ID!) {
  redeliverWebhook(delivery: $delivery) {
    delivery { id status attempts }
    userErrors { field message code }
  }
}"""

CALL_EVENTS = (
    "subscription($p: ID) { callEvents(provider: $p) "
    "{ id kind status call { id from to status } } }"
)
