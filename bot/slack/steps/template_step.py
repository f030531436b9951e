"""Step `get_wolkvox_template` ("Get a WhatsApp template"): one template's body, category,
language, variable count and a preview with sample values, from the cache when it is fresh
(else one sync, as `/wolkvox-sync 1234 show name` does).

Names match as `show` matches them: any case or accent. Which language version:
- `language` given: that code (any case, `-` or `_`); a bare language (`es`) also takes its
  first regional version by code (`es_AR` before `es_MX`) when there is no plain `es`;
- no `language`: the workflow's language (that of the person who runs it, else
  WOLKVOX_LANGUAGE), exact code first (`es`, `pt_BR`, `en`), then the first version of that
  language by code, then the first version by code.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Translator
from bot.i18n.mrkdwn import code, escape, plain
from bot.slack.steps.inputs import (
    read_language_code,
    read_template_name,
    text_input,
)
from bot.slack.steps.run import Outputs, Step, StepFailure, StepRun
from bot.slack.views.template import name_not_found_text
from bot.templates.lookup import TemplateVersions, find_versions
from bot.templates.model import Template
from bot.templates.query import language_key
from bot.templates.samples import preview

TEMPLATE_STEP = "get_wolkvox_template"
MAX_NAME_SHOWN = 60


class TemplateStep(Step):
    """The `function_executed` listener of the template step."""

    callback_id = TEMPLATE_STEP

    async def answer(self, run: StepRun) -> Outputs:
        """Find the template and one of its language versions."""
        door, t = run.door, run.t
        connector = await run.connector()
        name = read_template_name(run.inputs, t)
        wanted = read_language_code(run.inputs, t)
        trigger = run.trigger(TEMPLATE_STEP)
        outcome = await run.bounded(connector, door.service.sync(connector, trigger))
        found = find_versions(outcome.snapshot, name)
        if not found.versions:
            raise StepFailure(name_not_found_text(found.snapshot, found.name, found.close_names, t))
        template = choose_version(found.versions, wanted, t.language)
        if template is None:
            raise StepFailure(missing_language(found, text_input(run.inputs, "language"), t))
        return {
            "body": template.body,
            "category": template.category,
            "language": template.language,
            "variable_count": len(template.variables),
            "preview": preview(template.body),
        }


def choose_version(
    versions: Sequence[Template], wanted: str, workflow_language: str
) -> Template | None:
    """The version a step returns (see the module's docstring); None when `wanted` is not
    among them."""
    by_code = sorted(versions, key=lambda v: language_key(v.language))
    if wanted:
        return _pick(by_code, wanted, strict="_" in wanted)
    return _pick(by_code, language_key(workflow_language), strict=False) or by_code[0]


def _pick(by_code: Sequence[Template], key: str, *, strict: bool) -> Template | None:
    exact = next((v for v in by_code if language_key(v.language) == key), None)
    if exact is not None or strict:
        return exact
    family = key.partition("_")[0]
    return next((v for v in by_code if language_key(v.language).partition("_")[0] == family), None)


def missing_language(found: TemplateVersions, wanted: str, t: Translator) -> str:
    """The template exists, but not in the language the step asked for (`wanted`, as typed)."""
    return t._(
        "Template {name} of connector *{connector}* has no {language} version. It has: {languages}."
    ).format(
        name=code(found.versions[0].name, MAX_NAME_SHOWN),
        connector=escape(t.connector(found.snapshot.connector)),
        language=code(wanted, 16),
        languages=", ".join(plain(v.language, 16) for v in found.versions),
    )
