"""Django templates on the Jinja2 layout (crm.core.jinja).

``{% jinja_layout "layouts/base.jinja" %}{% block title %}{% endblock %}…{% endjinja_layout %}``
renders each block (a child template's, as Django's inheritance resolves it) and hands them to
the Jinja2 layout as ``blocks``, with the template's context.
"""

from django import template
from django.template.base import TextNode
from django.template.loader_tags import BlockNode
from django.utils.safestring import mark_safe

from crm.core.jinja import render_fragment

register = template.Library()


class JinjaLayoutNode(template.Node):
    def __init__(self, name, nodelist):
        self.name = name
        self.nodelist = nodelist
        self.blocks = [node for node in nodelist if isinstance(node, BlockNode)]

    def render(self, context):
        blocks = {node.name: mark_safe(node.render(context)) for node in self.blocks}  # noqa: S308 (rendered by Django, escaped there)
        html = render_fragment(
            self.name.resolve(context),
            {**context.flatten(), "blocks": blocks},
            context.get("request"),
        )
        return mark_safe(html)  # noqa: S308 (autoescaped by Jinja2)


@register.tag
def jinja_layout(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("jinja_layout takes one argument: the layout's name")
    nodelist = parser.parse(("endjinja_layout",))
    parser.delete_first_token()
    for node in nodelist:
        text = node.s.strip() if isinstance(node, TextNode) else ""
        if text or not isinstance(node, BlockNode | TextNode):
            raise template.TemplateSyntaxError("jinja_layout holds only {% block %} tags")
    return JinjaLayoutNode(parser.compile_filter(bits[1]), nodelist)
