"""tenants/templatetags/preau_i18n.py: `{% load i18n %}` gives Django's tags, and a constant
`{% translate %}` gives Django's text in every language and escaping, however often the
same compiled template is rendered."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, engines
from django.templatetags import i18n as django_i18n
from django.utils import translation

from tenants.templatetags.preau_i18n import ConstantTranslateNode

ENGINE = engines["django"]


def compiled(source: str):
    return ENGINE.from_string(source).template


def render(template, *, language: str, autoescape: bool = True) -> str:
    with translation.override(language):
        return template.render(Context({"who": "<Inès>"}, autoescape=autoescape))


def test_i18n_is_the_only_template_library_name_given_twice():
    # Django's warning templates.W003 is silenced in the settings for our "i18n": any other
    # name taken by two modules still fails here.
    warnings = ENGINE._check_for_template_tags_with_the_same_name()

    assert [warning.msg for warning in warnings] == [
        "'i18n' is used for multiple template tag modules: "
        "'django.templatetags.i18n', 'tenants.templatetags.preau_i18n'"
    ]


def test_a_constant_message_follows_the_language_of_each_render():
    template = compiled('{% load i18n %}{% translate "Password" %}')

    assert render(template, language="fr") == "Mot de passe"
    assert render(template, language="en") == "Password"
    assert render(template, language="fr") == "Mot de passe"


def test_a_constant_message_is_the_authors_text_whether_or_not_the_template_escapes():
    # As in Django, a literal written in the template is not escaped; a variable is.
    template = compiled('{% load i18n %}{% translate "Aucun enfant n\'est inscrit" %} {{ who }}')

    assert render(template, language="fr") == "Aucun enfant n'est inscrit &lt;Inès&gt;"
    assert render(template, language="fr", autoescape=False) == "Aucun enfant n'est inscrit <Inès>"
    assert render(template, language="fr") == "Aucun enfant n'est inscrit &lt;Inès&gt;"


def test_variables_filters_as_and_context_are_still_djangos_at_each_render():
    template = compiled(
        "{% load i18n %}{% translate who %}|{% translate 'Password'|upper %}|"
        "{% translate 'Password' as word %}{{ word }}|{% translate 'May' context 'alt. month' %}|"
        "{% blocktranslate %}Bonjour {{ who }}{% endblocktranslate %}|"
        "{% get_current_language as language %}{{ language }}"
    )

    assert render(template, language="fr") == (
        "&lt;Inès&gt;|MOT DE PASSE|Mot de passe|Mai|Bonjour &lt;Inès&gt;|fr"
    )
    assert (
        render(template, language="en")
        == "&lt;Inès&gt;|PASSWORD|Password|May|Bonjour &lt;Inès&gt;|en"
    )
    assert not any(isinstance(node, ConstantTranslateNode) for node in template.nodelist)


def project_templates() -> list[Path]:
    roots = [Path(settings.BASE_DIR) / app for app in ("config", "portal", "booking", "ledger")]
    roots += [Path(settings.BASE_DIR) / app for app in ("tipi", "notifications", "tenants")]
    return sorted(path for root in roots for path in root.glob("**/templates/**/*.html"))


def constant_nodes(nodelist):
    for node in nodelist:
        if isinstance(node, ConstantTranslateNode):
            yield node
        for name in node.child_nodelists:
            yield from constant_nodes(getattr(node, name, None) or [])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_constant_message_of_the_project_reads_as_djangos_own_node(language):
    checked = 0
    for path in project_templates():
        template = compiled(path.read_text())
        for node in constant_nodes(template.nodelist):
            djangos = django_i18n.TranslateNode(node.filter_expression, node.noop)
            for autoescape in (True, False):
                with translation.override(language):
                    context = Context(autoescape=autoescape)
                    assert node.render(context) == djangos.render(context), path
                    assert node.render(context) == djangos.render(context), path
            checked += 1
    # The project's pages are written with {% translate %}: hundreds of them are checked.
    assert checked > 300
