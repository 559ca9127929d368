"""Keep the Lab rows in step with content/courses/<course>/labs/ (called by load_content in its transaction)."""

import hashlib
from pathlib import Path

from courses.content.errors import ContentError, ContentProblem
from courses.markdown import render_lesson
from labs.models import Lab, LabStarter
from labs.starters import starter_bundle, starter_hash, starter_zip


def labs_sync(*, course, course_dir: Path) -> list[str]:
    """Create or update a Lab per labs/<slug>/lab.yaml, render its README, unpublish labs that are gone."""
    from labs.grading.definitions import LabDefinitionError, load_lab

    labs_dir = course_dir / "labs"
    seen: list[str] = []
    directories = sorted(p for p in labs_dir.iterdir() if (p / "lab.yaml").is_file()) if labs_dir.is_dir() else []
    definitions = []
    for directory in directories:
        try:
            definitions.append((directory, load_lab(directory.name, labs_dir)))
        except LabDefinitionError as error:
            raise ContentError([ContentProblem(directory / "lab.yaml", None, str(error))]) from error
    definitions.sort(key=lambda pair: _factor_order(pair[1].factors))
    for order, (directory, definition) in enumerate(definitions, start=1):
        readme = directory / "README.md"
        readme_text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
        fields = {
            "title": definition.title,
            "factors": sorted(definition.factors),
            "pass_mark": definition.pass_mark,
            "readme_html": render_lesson(readme_text, title=definition.title).html if readme_text else "",
            "has_starter": (directory / "starter").is_dir(),
            "order": order,
            "published": True,
            "source_hash": hashlib.sha256(((directory / "lab.yaml").read_text() + readme_text).encode()).hexdigest(),
        }
        lab = Lab.objects.filter(course=course, slug=directory.name).first()
        if lab is None:
            lab = Lab.objects.create(course=course, slug=directory.name, **fields)
        elif lab.source_hash != fields["source_hash"] or not lab.published or lab.order != order:
            Lab.objects.filter(pk=lab.pk).update(**fields)
        _starter_sync(lab, directory / "starter", title=definition.title)
        seen.append(directory.name)
    Lab.objects.filter(course=course, published=True).exclude(slug__in=seen).update(published=False)
    return seen


def _factor_order(factors) -> tuple[bool, int, int]:
    """Labs follow the course: by their first factor, and the labs on the whole methodology (the audit, the
    capstone) after the ones on a few factors."""
    return (len(set(factors)) == 12, min(factors, default=0), max(factors, default=0))


def _starter_sync(lab: Lab, root: Path, *, title: str) -> None:
    """Pack the starter when it is new or changed; drop a starter that is gone."""
    if not root.is_dir():
        LabStarter.objects.filter(lab=lab).delete()
        return
    source_hash = starter_hash(root)
    if LabStarter.objects.filter(lab=lab, source_hash=source_hash).exists():
        return
    LabStarter.objects.update_or_create(
        lab=lab,
        defaults={
            "zip_bytes": starter_zip(root, slug=lab.slug),
            "bundle_bytes": starter_bundle(root, slug=lab.slug, title=title),
            "source_hash": source_hash,
        },
    )
