"""The fake Zvonobot's template calls: createWithTemplate and getTemplates."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from callboard.providers.zvonobot.simulator import rules
from callboard.providers.zvonobot.simulator.playback import CallPlayer
from callboard.providers.zvonobot.simulator.state import Refused, SimApiCall, unix_now

__all__ = ["TemplateEndpoints"]


class TemplateEndpoints(CallPlayer):
    """Calls from a moderated template, its placeholders filled per phone."""

    async def _create_with_template(self, body: dict[str, Any], request: Request) -> object:
        checked = rules.check_template_call(body, max_phones=self.max_phones)
        self._check_balance()
        template = self.templates.get(checked.template_id)
        if template is None:
            raise Refused("Шаблон не найден")
        if template.get("status") != "moderated":
            raise Refused("Шаблон не прошёл модерацию")
        replies = []
        for phone in checked.phones:
            names = checked.variables.get(phone, {})
            text = str(template.get("recordText", ""))
            for name, value in names.items():
                text = text.replace(f"{{{name}}}", value)
            call = SimApiCall(
                id=next(self._call_ids),
                phone=phone,
                outgoing_phone=str(template.get("outgoingPhone", "")),
                created_at=unix_now(),
                planned_at=checked.planned_at,
                webhook_url=template.get("webhookUrl"),
                record_text=text,
                template_id=checked.template_id,
                # PHP's json_encode: compact, non-ASCII escaped.
                phone_info=json.dumps(names, separators=(",", ":")),
            )
            self.calls[call.id] = call
            self._schedule(call)
            replies.append(
                {
                    "id": call.id,
                    "phone": phone,
                    "templateId": call.template_id,
                    "phoneInfo": call.phone_info,
                    "createdAt": call.created_at,
                    "plannedAt": call.planned_at,
                }
            )
        return replies

    async def _get_templates(self, body: dict[str, Any], request: Request) -> object:
        moderated_only = self._flag(body, "onlyModerated")
        return [
            dict(t)
            for t in self.templates.values()
            if not moderated_only or t.get("status") == "moderated"
        ]
