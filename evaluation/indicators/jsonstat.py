"""Indicator values from JSON-stat 2, as SSB's PxWeb API returns it (see the package docstring)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NoReturn

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tromsvekst.lib import uploads

from .choices import Chosen, dimension_label, fix_dimensions
from .common import MAX_CELLS, ChoiceNeeded, IndicatorFileError, Observation, _codes
from .jsoncheck import (
    _category_codes,
    _check_json_shape,
    _field,
    _is_count,
    _is_year,
    _jsonstat_source,
    _jsonstat_values,
    _role_dimension,
    _shown,
    _status_at,
)
from .jsonstat1 import BUNDLE_CHOICE, bundle_dimension, from_jsonstat1, is_jsonstat1
from .municipalities import reforms
from .values import normalise_municipality

# JSON-stat 2 --------------------------------------------------------------------------------


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(name)


@dataclass
class JsonstatRead:
    """What ``_jsonstat_observations`` found: the observations the indicator needs, the file's
    source, the regions left out, notes for the preview, and the categories chosen."""

    observations: list[Observation]
    source: str
    other_regions: list[str]
    notes: list[str] = field(default_factory=list)
    chosen: dict[str, str] = field(default_factory=dict)


def _jsonstat_observations(
    text: str, *, listed: list[str], choices: Mapping[str, str] | None = None
) -> JsonstatRead:
    """The observations the indicator needs, the file's source, and the regions it leaves out.

    Only the cells the indicator uses are read: the listed municipalities (or the one series
    of an indicator without them) × the years, at most ``len(listed) × 201``, whatever
    ``size`` claims; the other regions are only named. So a small file claiming a large cube
    costs no more than its size. ``choices`` fixes the other dimensions (``choices.py``)."""
    data, notes, bundle, choices = _dataset(_load_json(text), dict(choices or {}))
    ids, sizes, dimensions = _jsonstat_header(data)
    categories, time_dim, geo_dim = _jsonstat_categories(data, ids, sizes, dimensions)
    total = math.prod(sizes)
    if total > MAX_CELLS:
        raise IndicatorFileError(
            [
                _("Tabellen har for mange celler (%(n)s). Hent bare det indikatoren trenger.")
                % {"n": number_format(total, force_grouping=True)}
            ]
        )
    try:
        chosen = fix_dimensions(
            ids=ids,
            dimensions=dimensions,
            categories=categories,
            time_dim=time_dim,
            geo_dim=geo_dim,
            listed=listed,
            choices=choices,
        )
    except ChoiceNeeded as exc:
        if bundle is not None:
            raise ChoiceNeeded([bundle[0], *exc.dimensions], exc.file_format) from None
        raise
    positions, regions, other_regions = _region_positions(categories, geo_dim, listed, chosen)
    observations = _observations(
        data,
        categories,
        dims=(time_dim, geo_dim),
        positions=positions,
        regions=regions,
        chosen=chosen,
        sizes=(ids, sizes),
    )
    labels = dict(chosen.labels)
    if bundle is not None:
        labels = {BUNDLE_CHOICE: bundle[1], **labels}
    source = _with_choices(_jsonstat_source(data), labels, dimensions)
    return JsonstatRead(observations, source, other_regions, notes, labels)


def _observations(
    data: dict,
    categories: dict[str, list[str]],
    *,
    dims: tuple[str, str | None],
    positions: list[int | None],
    regions: list[str],
    chosen: Chosen,
    sizes: tuple[list[str], list[int]],
) -> list[Observation]:
    """One observation per region read × year, from the cells of the chosen categories."""
    time_dim, geo_dim = dims
    strides = _strides(*sizes)
    offset = sum(position * strides[dim_id] for dim_id, position in chosen.positions.items())
    cells = []
    for geo_position in positions:
        for time_position, time_code in enumerate(categories[time_dim]):
            flat = offset + time_position * strides[time_dim]
            if geo_position is not None and geo_dim is not None:
                flat += geo_position * strides[geo_dim]
            cells.append((geo_position, time_code, flat))
    total = math.prod(sizes[1])
    values = _jsonstat_values(data.get("value"), total=total, wanted=[c[2] for c in cells])
    status = data.get("status")
    observations = []
    for geo_position, time_code, flat in cells:
        geo_code = None
        if geo_position is not None and geo_dim is not None:
            geo_code = categories[geo_dim][geo_position]
        observations.append(
            Observation(
                where=f"{uploads.excerpt(geo_code)}/{time_code}"
                if geo_code is not None
                else str(time_code),
                region=None if geo_position is None else regions[geo_position],
                year=int(time_code),
                value=values.get(flat),
                status=_status_at(status, flat),
            )
        )
    return observations


def _dataset(
    data: dict, choices: dict[str, str]
) -> tuple[dict, list[str], tuple | None, dict[str, str]]:
    """The dataset to read (a JSON-stat 1 file converted), notes on how it was read, the
    bundle's dimension and the chosen dataset's label if a bundle of several datasets was
    chosen from, and the choices left for the dataset's own dimensions."""
    if not is_jsonstat1(data):
        return data, [], None, choices
    notes = [_("Filen er JSON-stat 1; den er lest som JSON-stat 2.")]
    converted, label = from_jsonstat1(data, choices)
    choices.pop(BUNDLE_CHOICE, None)
    if label is None:
        return converted, notes, None, choices
    names = [key for key in data if key != "class"]
    return converted, notes, (bundle_dimension(data, names), label), choices


def _strides(ids: list[str], sizes: list[int]) -> dict[str, int]:
    strides = {}
    stride = 1
    for dim_id, size in reversed(list(zip(ids, sizes, strict=True))):
        strides[dim_id] = stride
        stride *= size
    return strides


def _with_choices(source: str, labels: dict[str, str], dimensions: dict) -> str:
    """The source note with the categories chosen: «…, tabell 05300 (avstand: Under 1 km)»."""
    if not labels:
        return source
    parts = [
        f"{dimension_label(dimensions, dim_id) if dim_id in dimensions else _('datasett')}: {label}"
        for dim_id, label in labels.items()
    ]
    return f"{source} ({'; '.join(parts)})"


def _load_json(text: str) -> dict:
    """The file as a JSON object of bounded shape; IndicatorFileError if it is none."""
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise IndicatorFileError(
            [
                _("Filen er ikke gyldig JSON: feil på linje %(line)s, tegn %(column)s.")
                % {"line": exc.lineno, "column": exc.colno}
            ]
        ) from None
    except (ValueError, RecursionError):
        # NaN/Infinity, a number too long to read, or nesting too deep.
        raise IndicatorFileError(
            [_("Filen er ikke gyldig JSON: den har tall eller nøsting som ikke kan leses.")]
        ) from None
    if not isinstance(data, dict):
        raise IndicatorFileError(
            [_("Filen er ikke et JSON-stat-datasett: den må være et JSON-objekt ({ … }).")]
        )
    _check_json_shape(data)
    return data


def _jsonstat_header(data: dict) -> tuple[list[str], list[int], dict]:
    """The dataset's «id», «size» and «dimension», checked; every problem at once."""
    errors = uploads.ImportErrors()
    version = data.get("version")
    if version != "2.0":
        errors.add(
            _("Feltet «version» må være «2.0» (JSON-stat 2), men er %(value)s.")
            % {"value": _shown(version)}
        )
    klass = data.get("class")
    if klass != "dataset":
        errors.add(
            _("Feltet «class» må være «dataset», men er %(value)s.") % {"value": _shown(klass)}
        )
    ids = data.get("id")
    sizes = data.get("size")
    dimensions = data.get("dimension")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        errors.add(_("Feltet «id» mangler eller er ikke en liste med dimensjonsnavn."))
        ids = None
    if not isinstance(sizes, list) or not all(_is_count(s) for s in sizes):
        errors.add(_("Feltet «size» mangler eller er ikke en liste med hele tall."))
        sizes = None
    if not isinstance(dimensions, dict):
        errors.add(_("Feltet «dimension» mangler eller er ikke et objekt."))
        dimensions = None
    if "value" not in data:
        errors.add(_("Feltet «value» mangler."))
    if ids is not None and sizes is not None and len(ids) != len(sizes):
        errors.add(
            _("«id» har %(ids)s dimensjoner, men «size» har %(sizes)s tall.")
            % {"ids": len(ids), "sizes": len(sizes)}
        )
    if errors or ids is None or sizes is None or dimensions is None:
        raise IndicatorFileError(errors)
    if len(set(ids)) != len(ids):
        raise IndicatorFileError([_("«id» nevner samme dimensjon flere ganger.")])
    return ids, sizes, dimensions


def _jsonstat_categories(
    data: dict, ids: list[str], sizes: list[int], dimensions: dict
) -> tuple[dict[str, list[str]], str, str | None]:
    """The categories of each dimension, in order, and the time and region dimensions; every
    problem at once."""
    errors = uploads.ImportErrors()
    categories = _dimension_categories(ids, sizes, dimensions, errors)
    role = _field(data, "role", dict, {})
    time_dim = _role_dimension(role, "time", ids, fallback="Tid")
    geo_dim = _role_dimension(role, "geo", ids, fallback="Region")
    if time_dim is None:
        errors.add(_("Dimensjonen «Tid» mangler. Filen må ha en tidsdimensjon med årstall."))
    if time_dim in categories:
        not_years = [code for code in categories[time_dim] if not _is_year(code)]
        if not_years:
            errors.add(
                _(
                    "Dimensjonen «%(dim)s» har tider som ikke er årstall (%(codes)s). Bare "
                    "årlige tall kan importeres."
                )
                % {
                    "dim": uploads.excerpt(time_dim),
                    "codes": _codes(f"«{uploads.excerpt(c)}»" for c in not_years[:5]),
                }
            )
    if errors or time_dim is None:
        raise IndicatorFileError(errors)
    return categories, time_dim, geo_dim


def _dimension_categories(
    ids: list[str], sizes: list[int], dimensions: dict, errors: uploads.ImportErrors
) -> dict[str, list[str]]:
    categories: dict[str, list[str]] = {}
    for dim_id, size in zip(ids, sizes, strict=True):
        dimension = dimensions.get(dim_id)
        if not isinstance(dimension, dict):
            errors.add(
                _("Dimensjonen «%(dim)s» mangler i «dimension».") % {"dim": uploads.excerpt(dim_id)}
            )
            continue
        codes = _category_codes(dimension)
        if codes is None:
            errors.add(
                _("Dimensjonen «%(dim)s» har ingen gyldig liste over kategorier («category»).")
                % {"dim": uploads.excerpt(dim_id)}
            )
            continue
        if len(codes) != size:
            errors.add(
                _("Dimensjonen «%(dim)s» har %(n)s kategorier, men «size» sier %(size)s.")
                % {"dim": uploads.excerpt(dim_id), "n": len(codes), "size": size}
            )
            continue
        categories[dim_id] = codes
    return categories


def _region_positions(
    categories: dict[str, list[str]], geo_dim: str | None, listed: list[str], chosen: Chosen
) -> tuple[list[int | None], list[str], list[str]]:
    """Which regions to read: the listed ones (an old municipality number counted as today's,
    ``municipalities.py``), the region chosen, or the single series of an indicator without a
    list. Returns their positions in the region dimension, every region's number, and the
    regions left out."""
    if not geo_dim:
        return [None], [], []
    regions = [normalise_municipality(code) or code for code in categories[geo_dim]]
    if chosen.region is not None:
        return [chosen.region], regions, []
    if listed:
        wanted = set(listed)
        table = reforms()
        positions: list[int | None] = [
            i for i, region in enumerate(regions) if table.current(region) in wanted
        ]
        left_out = {region for region in regions if table.current(region) not in wanted}
        return positions, regions, sorted(left_out)
    return list(range(len(regions))), regions, []
