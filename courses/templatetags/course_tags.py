from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    """`{{ scores|get_item:lesson.pk }}`: a dict lookup by a variable key (None when absent)."""
    return mapping.get(key) if mapping else None
