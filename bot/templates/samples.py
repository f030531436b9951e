"""Sample values for a template preview (pure)."""

from __future__ import annotations

from bot.templates.model import VARIABLE

_POSITIONAL = ["María", "4821", "25/12/2026", "$120.000", "10:30", "Bogotá", "ABC-123", "3"]
_BY_NAME = [
    (("first_name", "nombre", "name", "nome", "cliente", "customer"), "María"),
    (("date", "fecha", "data", "dia", "day"), "25/12/2026"),
    (("time", "hora"), "10:30"),
    (("code", "codigo", "otp", "pin"), "4821"),
    (("amount", "monto", "valor", "total", "price", "precio"), "$120.000"),
    (("order", "pedido", "orden"), "ABC-123"),
    (("city", "ciudad", "cidade"), "Bogotá"),
    (("url", "link", "enlace"), "https://example.com/x"),
]


def sample_value(variable: str) -> str:
    """A plausible value for `{{variable}}`: positional by number, named by what it says."""
    if variable.isdigit():
        number = int(variable)
        return _POSITIONAL[(number - 1) % len(_POSITIONAL)] if number > 0 else "María"
    lowered = variable.lower()
    for keys, value in _BY_NAME:
        if any(key in lowered for key in keys):
            return value
    return f"[{variable}]"


def preview(body: str) -> str:
    """The body with every variable replaced by a sample value."""
    return VARIABLE.sub(lambda m: sample_value(m.group(1)), body)
