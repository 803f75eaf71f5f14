"""The README tour's operations, which GraphiQL opens as its tabs."""

from __future__ import annotations

__all__ = ["TOUR"]

# Each is a ```graphql block of README.md's tour, word for word (tests/browser checks):
# a newcomer reading the tour finds the same operation in the tab of the same name.
TOUR: tuple[str, ...] = (
    """\
query Providers { providers { id kind capabilities } }""",
    """\
subscription WatchCalls {
  callEvents(provider: "lirax-demo", after: "Q2FsbEV2ZW50OjA=") {
    id kind status occurredAt
    call { id status from to agent durationSeconds recordingUrl }
  }
}""",
    """\
mutation PlaceCall {
  placeCall(input: {provider: "lirax-demo", agent: "101", to: "8 912 345-67-89",
                    idempotencyKey: "tour-1"}) {
    call { id status to providerCallId }
    userErrors { field message code }
  }
}""",
    """\
query CallLog {
  calls(first: 10, status: COMPLETED) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id status from to durationSeconds events { kind occurredAt } } }
  }
}""",
    """\
mutation Robocall {
  startRobocall(input: {provider: "zvonobot-demo", phones: ["+7 912 345-67-89"],
      outgoingPhone: "+7 495 000-00-01",
      message: {text: "Здравствуйте! Нажмите 1, чтобы поговорить с менеджером."},
      ivrs: [{digit: 1, notify: true, managerPhone: "+7 912 000-00-01"}]}) {
    calls { id status to }
    notices { code message }
    userErrors { field message code }
  }
}""",
    """\
mutation LinerOrder {
  createOrder(input: {provider: "liner-demo", title: "Autumn", serviceTitle: "autumn",
      status: SUCCESS, sipEndpointIds: [101], callSchedule: [{start: "09:00", end: "18:00"}],
      aiModeEnabled: true, aiDefaultLanguage: RU}) {
    order { orderId title status }
    userErrors { field message code }
  }
}""",
    """\
mutation IncomingNumber {
  addIncomingNumbers(input: {provider: "twin24-demo", action: ROBOT, botId: "demo-bot",
      recordCalls: true, numbers: [{number: "+7 495 123-45-01", name: "Sales", did: "1"}]}) {
    numbers { number name }
    userErrors { field message code }
  }
}""",
    """\
mutation While1Call {
  placeCall(input: {provider: "while1-demo", agent: "101", to: "+40 21 234 5678",
                    callerIdName: "Ana Popescu", waitForAnswer: true}) {
    call { id status providerCallId }
    agentAnswer
    userErrors { field message code }
  }
}""",
)
