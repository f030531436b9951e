"""Templates as a contact center writes them, for the memory and many-workspace benchmarks:
names of a few words with a number, each in 3 languages (es, pt_BR, en_US), the 3 categories,
bodies of about 200-600 characters with {{1}}-style variables and the accents of Spanish and
Portuguese. Deterministic per seed; different seeds share sentences, not templates."""

from __future__ import annotations

import random
from typing import Any

LANGUAGES = ("es", "pt_BR", "en_US")
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
_TOPICS = (
    "confirmacion pedido",
    "recordatorio cita",
    "envio despachado",
    "pago recibido",
    "factura disponible",
    "codigo verificacion",
    "promocion temporada",
    "encuesta servicio",
    "cambio contrasena",
    "bienvenida cliente",
    "renovacion plan",
    "entrega reprogramada",
)
_SENTENCES = {
    "es": (
        "Hola {{1}}, gracias por elegirnos.",
        "Tu pedido {{2}} está en camino.",
        "Recuerda que tu cita es el {{3}} a las {{4}}.",
        "Si tienes dudas, escríbenos aquí.",
        "El pago de {{2}} fue recibido con éxito.",
        "Tu código de verificación es {{1}}.",
        "Por tu seguridad, no compartas este código con nadie.",
        "Aprovecha un descuento del {{2}} en toda la tienda hasta el domingo.",
        "Queremos saber tu opinión sobre la atención que recibiste.",
        "Puedes descargar tu factura desde la aplicación o la página web.",
        "La entrega se reprogramó para mañana por la tarde.",
        "Responde SÍ para confirmar o NO para cancelar.",
        "¡Que tengas un excelente día!",
    ),
    "pt_BR": (
        "Olá {{1}}, obrigado por nos escolher.",
        "Seu pedido {{2}} está a caminho.",
        "Lembre-se de que sua consulta é no dia {{3}} às {{4}}.",
        "Se tiver dúvidas, fale conosco por aqui.",
        "O pagamento de {{2}} foi recebido.",
        "Seu código de verificação é {{1}}.",
        "Por segurança, não compartilhe este código.",
        "Aproveite um desconto de {{2}} em toda a loja até domingo.",
        "Queremos saber sua opinião sobre o atendimento.",
        "Você pode baixar sua nota fiscal pelo aplicativo ou pelo site.",
        "A entrega foi reagendada para amanhã à tarde.",
        "Responda SIM para confirmar ou NÃO para cancelar.",
        "Tenha um ótimo dia!",
    ),
    "en_US": (
        "Hi {{1}}, thank you for choosing us.",
        "Your order {{2}} is on its way.",
        "Remember that your appointment is on {{3}} at {{4}}.",
        "If you have questions, write to us here.",
        "The payment of {{2}} was received.",
        "Your verification code is {{1}}.",
        "For your security, do not share this code.",
        "Enjoy a {{2}} discount on the whole store until Sunday.",
        "We want to know what you thought of our service.",
        "You can download your invoice from the app or the website.",
        "The delivery was rescheduled for tomorrow afternoon.",
        "Reply YES to confirm or NO to cancel.",
        "Have a great day!",
    ),
}


def realistic_templates(n: int, seed: int | str = 0) -> list[dict[str, Any]]:
    """`n` templates as Wolkvox lists them (name_template, body_template, idiom, category):
    n/3 names, each in the 3 languages."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range((n + len(LANGUAGES) - 1) // len(LANGUAGES)):
        name = f"{rng.choice(_TOPICS).replace(' ', '_')}_{seed}_{i:04d}"
        category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        length = rng.randint(200, 600)
        picks = rng.sample(range(len(_SENTENCES["es"])), len(_SENTENCES["es"]))
        for language in LANGUAGES:
            sentences = _SENTENCES[language]
            words: list[str] = [f"[{i}]"]
            k = 0
            while sum(len(w) + 1 for w in words) < length:
                words.append(sentences[picks[k % len(picks)]])
                k += 1
            body = " ".join(words)[:length]
            out.append(
                {
                    "name_template": name,
                    "body_template": body,
                    "idiom": language,
                    "category": category,
                }
            )
    return out[:n]
