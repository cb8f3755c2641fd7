"""A JSON-stat file with more than one series: the dimensions a person must choose a category in.

Every dimension besides time and region must be fixed to one category: by the file (one
category only), or by ``choices`` ({dimension id: category code}). The region dimension is
offered too when the indicator has no municipality list and the file has several regions (a
national or a county figure). A missing choice raises ``ChoiceNeeded`` listing every dimension
that needs one; a choice the file does not have is an ``IndicatorFileError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from tromsvekst.lib import uploads

from .common import Category, ChoiceNeeded, Dimension, IndicatorFileError
from .jsoncheck import _field
from .values import normalise_municipality

LABEL_CHARS = 200


@dataclass
class Chosen:
    """Position of the category used in each dimension besides time and region, the region
    position chosen (None: the region dimension is read as the indicator says), and dimension
    id → label of the category chosen, for every dimension that had more than one."""

    positions: dict[str, int] = field(default_factory=dict)
    region: int | None = None
    labels: dict[str, str] = field(default_factory=dict)


def dimension_label(dimensions: dict, dim_id: str) -> str:
    label = dimensions.get(dim_id, {}).get("label")
    return uploads.excerpt(label, LABEL_CHARS) if isinstance(label, str) and label else dim_id


def category_labels(dimension: dict, codes: list[str]) -> tuple[Category, ...]:
    category = _field(dimension, "category", dict, {})
    labels = _field(category, "label", dict, {})
    return tuple(
        Category(
            code=code,
            label=uploads.excerpt(str(labels.get(code) or code), LABEL_CHARS),
        )
        for code in codes
    )


def fix_dimensions(
    *,
    ids: list[str],
    dimensions: dict,
    categories: dict[str, list[str]],
    time_dim: str,
    geo_dim: str | None,
    listed: list[str],
    choices: Mapping[str, str],
) -> Chosen:
    """The category of every dimension besides time (see the module docstring)."""
    region_choice = geo_dim is not None and not listed and _several_regions(categories[geo_dim])
    _check_choice_ids(choices, ids, time_dim, geo_dim, region_choice)
    chosen = Chosen()
    needed: list[Dimension] = []
    missing = False
    for dim_id in ids:
        if dim_id == time_dim or (dim_id == geo_dim and not region_choice):
            continue
        codes = categories[dim_id]
        position = _position(dim_id, codes, choices, dimensions)
        if len(codes) > 1 or dim_id == geo_dim:
            needed.append(
                Dimension(
                    id=dim_id,
                    label=dimension_label(dimensions, dim_id),
                    categories=category_labels(dimensions[dim_id], codes),
                    role="region" if dim_id == geo_dim else "other",
                )
            )
        if position is None:
            missing = True
            continue
        if len(codes) > 1 or dim_id == geo_dim:
            chosen.labels[dim_id] = needed[-1].categories[position].label
        if dim_id == geo_dim:
            chosen.region = position
        else:
            chosen.positions[dim_id] = position
    if missing:
        raise ChoiceNeeded(needed, "json-stat")
    return chosen


def _several_regions(codes: list[str]) -> bool:
    return len({normalise_municipality(code) or code for code in codes}) > 1


def _check_choice_ids(
    choices: Mapping[str, str],
    ids: list[str],
    time_dim: str,
    geo_dim: str | None,
    region_choice: bool,
) -> None:
    errors = uploads.ImportErrors()
    for dim_id in choices:
        if dim_id not in ids or dim_id == time_dim or (dim_id == geo_dim and not region_choice):
            errors.add(
                _("Valget for «%(dim)s» gjelder ingen dimensjon i filen som det skal velges i.")
                % {"dim": uploads.excerpt(str(dim_id))}
            )
    if errors:
        raise IndicatorFileError(errors)


def _position(
    dim_id: str, codes: list[str], choices: Mapping[str, str], dimensions: dict
) -> int | None:
    """The position chosen in ``dim_id``; the only one if it has one; None if none is chosen."""
    code = choices.get(dim_id)
    if code is None:
        return 0 if len(codes) == 1 else None
    if code not in codes:
        raise IndicatorFileError(
            [
                _(
                    "Dimensjonen «%(dim)s» har ingen kategori «%(code)s». Velg en av dem filen "
                    "har, og prøv igjen."
                )
                % {
                    "dim": dimension_label(dimensions, dim_id),
                    "code": uploads.excerpt(str(code)),
                }
            ]
        )
    return codes.index(code)
