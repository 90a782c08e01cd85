"""Writes of entities: create, change, and merge duplicates."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from claims import detection
from claims.models import Claim, Contradiction, Entity, EntityAlias
from claims.models.entities import name_key
from qwenkb.history import stamp


def entity_names_check(*, entity: Entity | None, name: str, aliases: list[str]) -> None:
    """Refuse a name or alias that another entity already uses (ignoring case, spaces, hyphens)."""
    errors: dict[str, list[str]] = {}
    own = entity.pk if entity is not None and entity.pk else None
    keys: dict[str, str] = {}
    for field, text in [("name", name)] + [("aliases", alias) for alias in aliases]:
        text = (text or "").strip()
        if not text:
            errors.setdefault(field, []).append("A name cannot be empty.")
            continue
        key = name_key(text)
        if key in keys and field == "aliases":
            if keys[key] != text or text != name:
                errors.setdefault(field, []).append(
                    f"\u201c{text}\u201d is the same name as \u201c{keys[key]}\u201d "
                    "(names compare ignoring case, spaces and hyphens)."
                )
            continue
        keys[key] = text
        others = Entity.objects.filter(key=key)
        named = EntityAlias.objects.filter(key=key).select_related("entity")
        if own is not None:
            others, named = others.exclude(pk=own), named.exclude(entity_id=own)
        clash_entity, clash_alias = others.first(), named.first()
        clash = clash_entity or (clash_alias.entity if clash_alias else None)
        if clash is not None:
            errors.setdefault(field, []).append(
                f"\u201c{text}\u201d collides with {clash.name} (slug {clash.slug}); "
                "names and aliases compare ignoring case, spaces and hyphens."
            )
    if errors:
        raise ValidationError(errors)


def _parent_check(entity: Entity | None, parent: Entity | None) -> None:
    node = parent
    while node is not None:
        if entity is not None and node.pk == entity.pk:
            raise ValidationError({"parent": "An entity cannot sit below itself."})
        node = node.parent


@transaction.atomic
def entity_create(
    *,
    name: str,
    slug: str,
    kind: str,
    parent: Entity | None = None,
    description: str = "",
    aliases: Sequence[str] = (),
    user=None,
    reason: str = "",
) -> Entity:
    """Create an entity with its aliases."""
    aliases = [a.strip() for a in aliases if a.strip() and name_key(a) != name_key(name)]
    entity_names_check(entity=None, name=name, aliases=aliases)
    entity = Entity(name=name.strip(), slug=slug, kind=kind, parent=parent, description=description)
    entity.full_clean(exclude=["key"], validate_constraints=False)
    if Entity.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An entity with slug \u201c{slug}\u201d already exists."})
    stamp(entity, user=user, reason=reason)
    entity.save()
    for alias in dict.fromkeys(aliases):
        row = EntityAlias(entity=entity, name=alias)
        stamp(row, user=user, reason=reason)
        row.save()
    return entity


@transaction.atomic
def entity_aliases_update(
    *, entity: Entity, names: list[str], user=None, reason: str = ""
) -> list[EntityAlias]:
    """Make an entity's aliases exactly ``names`` (kept, added or deleted, with history);
    a name another entity already uses is refused."""
    names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    names = [n for n in names if name_key(n) != name_key(entity.name)]
    entity_names_check(entity=entity, name=entity.name, aliases=names)
    current = {alias.name: alias for alias in entity.aliases.all()}
    for name, alias in current.items():
        if name not in names:
            stamp(alias, user=user, reason=reason)
            alias.delete()
    for name in names:
        if name not in current:
            alias = EntityAlias(entity=entity, name=name)
            stamp(alias, user=user, reason=reason)
            alias.save()
    return list(entity.aliases.order_by("name"))


@transaction.atomic
def entity_update(*, entity: Entity, user=None, reason: str = "", **changes) -> Entity:
    """Change an entity's fields (aliases excluded: they have their own rows)."""
    allowed = {"name", "slug", "kind", "parent", "description"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({field: "This field cannot be changed." for field in unknown})
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    if "name" in changes:
        aliases = list(entity.aliases.values_list("name", flat=True))
        entity_names_check(entity=entity, name=changes["name"], aliases=aliases)
    if "parent" in changes:
        _parent_check(entity, changes["parent"])
    changed = {k: v for k, v in changes.items() if getattr(entity, k) != v}
    if not changed:
        return entity
    for name, value in changed.items():
        setattr(entity, name, value)
    entity.full_clean(exclude=["key"], validate_constraints=False, validate_unique=False)
    stamp(entity, user=user, reason=reason)
    entity.save()
    return entity


@transaction.atomic
def entity_merge(
    *, survivor: Entity, duplicates: list[Entity], user=None, reason: str = ""
) -> Entity:
    """Merge duplicate entities into ``survivor``: claims, values, children and aliases move over.

    Each duplicate's name becomes an alias of the survivor, so look-ups by the old name still
    land; the duplicates are then deleted (their history keeps them). Contradiction groups of
    the survivor are re-checked, since claims that lived apart now meet.
    """
    duplicates = [d for d in duplicates if d.pk != survivor.pk]
    if not duplicates:
        raise ValidationError({"duplicates": "Choose at least one entity other than the survivor."})
    reason = reason or f"Merged into {survivor.name}."
    survivor = Entity.objects.select_for_update().get(pk=survivor.pk)
    ids = [d.pk for d in duplicates]
    node = survivor.parent
    while node is not None:
        if node.pk in ids:
            survivor.parent = node.parent
            node = survivor.parent
            continue
        node = node.parent
    stamp(survivor, user=user, reason=reason)
    survivor.save()
    metric_ids = set(
        Claim.objects.filter(subject_id__in=ids).values_list("metric_id", flat=True).distinct()
    )
    moving = [
        (Claim.objects.filter(subject_id__in=ids), "subject"),
        (Claim.objects.filter(entity_value_id__in=ids), "entity_value"),
        (Entity.objects.filter(parent_id__in=ids).exclude(pk=survivor.pk), "parent"),
    ]
    for rows, field in moving:
        for row in rows:
            setattr(row, field, survivor)
            stamp(row, user=user, reason=reason)
            row.save()
    Contradiction.objects.filter(subject_id__in=ids).update(subject=survivor)
    taken = {survivor.key} | set(survivor.aliases.values_list("key", flat=True))
    for duplicate in Entity.objects.filter(pk__in=ids).prefetch_related("aliases"):
        names = [duplicate.name] + [a.name for a in duplicate.aliases.all()]
        for alias in list(duplicate.aliases.all()):
            stamp(alias, user=user, reason=reason)
            alias.delete()
        stamp(duplicate, user=user, reason=reason)
        duplicate.delete()
        for name in names:
            if name_key(name) not in taken:
                row = EntityAlias(entity=survivor, name=name)
                stamp(row, user=user, reason=reason)
                row.save()
                taken.add(name_key(name))
    metric_ids |= set(
        Claim.objects.filter(entity_value=survivor).values_list("metric_id", flat=True)
    )
    for metric_id in sorted(metric_ids):
        detection.group_detect(subject_id=survivor.pk, metric_id=metric_id)
    return survivor
