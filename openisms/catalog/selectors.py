"""Reads for the catalog. Organisations see global content and their own imports."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from openisms.catalog.data import (
    AttributeDef,
    ControlTemplateData,
    FrameworkData,
    LibraryData,
    MappingData,
    MappingSetData,
    NodeData,
)
from openisms.catalog.models import (
    ControlTemplate,
    Framework,
    FrameworkAdoption,
    MappingSet,
    RequirementMapping,
    RequirementNode,
)
from openisms.core.gate import scoped


def _visible(qs: QuerySet, organization: Any) -> QuerySet:
    if organization is None:
        return qs.filter(organization__isnull=True)
    return qs.filter(Q(organization__isnull=True) | Q(organization=organization))


def visible_frameworks(organization: Any) -> QuerySet[Framework]:
    return _visible(Framework.objects.all(), organization).select_related("library")


def framework_list(*, organization: Any) -> QuerySet[Any]:  # annotated Framework rows
    adopted = scoped(FrameworkAdoption, organization).values("framework_id") if organization else []
    return (
        visible_frameworks(organization)
        .annotate(
            node_count=Count("nodes", distinct=True),
            assessable_count=Count("nodes", filter=Q(nodes__assessable=True), distinct=True),
        )
        .annotate(
            is_adopted=Count(
                "adoptions", filter=Q(adoptions__framework_id__in=adopted), distinct=True
            )
        )
        .order_by("name")
    )


def framework_get(*, organization: Any, pk: Any = None, urn: str | None = None) -> Framework:
    qs = visible_frameworks(organization)
    framework = qs.filter(pk=pk).first() if pk is not None else qs.filter(urn=urn).first()
    if framework is None:
        raise Http404(_("No such framework."))
    return framework


def node_list(*, framework: Framework, q: str = "") -> QuerySet[RequirementNode]:
    """The framework's nodes in tree order; with ``q``, those whose ref id, name or description
    contains it."""
    qs = RequirementNode.objects.filter(framework=framework).order_by("order")
    if q:
        qs = qs.filter(Q(ref_id__icontains=q) | Q(name__icontains=q) | Q(description__icontains=q))
    return qs


def node_get(*, framework: Framework, pk: Any) -> RequirementNode:
    node = (
        RequirementNode.objects.filter(framework=framework, pk=pk).select_related("parent").first()
    )
    if node is None:
        raise Http404(_("No such requirement."))
    return node


def node_mappings(*, node: RequirementNode, organization: Any) -> list[RequirementMapping]:
    """Mappings from and to the node, in mapping sets the organisation can see."""
    visible_sets = _visible(MappingSet.objects.all(), organization).values("pk")
    return list(
        RequirementMapping.objects.filter(
            Q(source=node) | Q(target=node), mapping_set__in=visible_sets
        )
        .select_related("mapping_set", "source__framework", "target__framework")
        .order_by("mapping_set__name", "target__order", "source__order")
    )


def mapping_set_list(*, organization: Any) -> QuerySet[Any]:  # annotated MappingSet rows
    return (
        _visible(MappingSet.objects.all(), organization)
        .select_related("source_framework", "target_framework")
        .annotate(mapping_count=Count("mappings"))
        .order_by("name")
    )


def mapping_list(*, organization: Any, pk: Any) -> QuerySet[RequirementMapping]:
    mapping_set = _visible(MappingSet.objects.all(), organization).filter(pk=pk).first()
    if mapping_set is None:
        raise Http404(_("No such mapping set."))
    return (
        RequirementMapping.objects.filter(mapping_set=mapping_set)
        .select_related("mapping_set", "source", "target")
        .order_by("source__order", "target__order")
    )


def adoption_list(*, organization: Any) -> QuerySet[FrameworkAdoption]:
    return scoped(FrameworkAdoption, organization).select_related("framework")


def framework_to_data(framework: Framework) -> FrameworkData:
    nodes = list(
        RequirementNode.objects.filter(framework=framework)
        .order_by("order")
        .values(
            "id",
            "urn",
            "ref_id",
            "name",
            "description",
            "guidance",
            "kind",
            "assessable",
            "parent_id",
            "attributes",
        )
    )
    urn_by_id = {n["id"]: n["urn"] for n in nodes}
    return FrameworkData(
        urn=framework.urn,
        ref_id=framework.ref_id,
        name=framework.name,
        version=framework.version,
        description=framework.description,
        provider=framework.provider,
        publication_date=framework.publication_date,
        copyright=framework.copyright,
        locale=framework.locale,
        attribute_schema=[AttributeDef(**a) for a in framework.attribute_schema],
        aliases=list(framework.aliases),
        source=dict(framework.source),
        nodes=[
            NodeData(
                ref_id=n["ref_id"],
                name=n["name"],
                urn=n["urn"],
                parent=urn_by_id.get(n["parent_id"], ""),
                kind=n["kind"],
                assessable=n["assessable"],
                description=n["description"],
                guidance=n["guidance"],
                attributes=n["attributes"],
            )
            for n in nodes
        ],
    )


def library_to_data(framework: Framework) -> LibraryData:
    """The framework as a library of its own (with the mapping sets of its library that start
    from it), for export."""
    library = framework.library
    sets = []
    for ms in MappingSet.objects.filter(library=library, source_framework=framework).select_related(
        "target_framework"
    ):
        rows = RequirementMapping.objects.filter(mapping_set=ms).values_list(
            "source__urn", "target__urn", "relationship", "strength", "rationale"
        )
        sets.append(
            MappingSetData(
                urn=ms.urn,
                name=ms.name,
                description=ms.description,
                source_framework=framework.urn,
                target_framework=ms.target_framework.urn,
                mappings=[MappingData(s, t, r, st, ra) for s, t, r, st, ra in rows],
            )
        )
    templates = [
        ControlTemplateData(
            urn=t.urn,
            ref_id=t.ref_id,
            name=t.name,
            description=t.description,
            category=t.category,
            function=t.function,
        )
        for t in ControlTemplate.objects.filter(library=library).order_by("pk")
    ]
    return LibraryData(
        control_templates=templates,
        urn=library.urn,
        name=library.name,
        version=library.version,
        provider=library.provider,
        publication_date=library.publication_date,
        copyright=library.copyright,
        description=library.description,
        dependencies=list(library.dependencies),
        aliases=list(library.aliases),
        frameworks=[framework_to_data(framework)],
        mapping_sets=sets,
    )
