"""GraphQL documents the tests share."""

PLACE_CALL = """
mutation($input: PlaceCallInput!) {
  placeCall(input: $input) {
    call { id status providerCallId direction from to agent provider { id } }
    userErrors { field message code vendorCode }
  }
}"""

CONNECT_PARTIES = """
mutation($input: ConnectPartiesInput!) {
  connectParties(input: $input) {
    call { id status providerCallId to agent }
    userErrors { field message code vendorCode }
  }
}"""

HANGUP = """
mutation($id: ID!) {
  hangupCall(id: $id) { call { id status } userErrors { field message code vendorCode } }
}"""

CALL = """
query($id: ID!) {
  call(id: $id) {
    id status direction from to agent providerCallId durationSeconds recordingUrl
    startedAt answeredAt endedAt raw
    provider { id kind }
    events { id kind status occurredAt raw }
  }
}"""

CALL_EVENTS = """
subscription($provider: ID, $phone: String, $callId: ID, $after: ID) {
  callEvents(provider: $provider, phone: $phone, callId: $callId, after: $after) {
    id kind status occurredAt raw
    call { id status from to recordingUrl }
  }
}"""

CALLS = """
query($provider: ID, $phone: String, $status: CallStatus, $first: Int, $after: String) {
  calls(provider: $provider, phone: $phone, status: $status, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id status to provider { id } } }
  }
}"""

PROVIDERS = "{ providers { id kind capabilities } }"
