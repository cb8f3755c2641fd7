"""JSON-stat 1: converted to the structure of JSON-stat 2, then read as that.

A JSON-stat 1 file (https://json-stat.org/format/) is a bundle, ``{"<name>": {dataset}, …}``
(SSB's statistics bank answered ``{"dataset": {…}}``), and a dataset keeps ``id``, ``size`` and
``role`` inside ``dimension``. A bundle of several datasets is one more choice: the pseudo
dimension ``dataset`` (``BUNDLE_CHOICE``), offered by ``ChoiceNeeded`` like any other.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

from tromsvekst.lib import uploads

from .choices import LABEL_CHARS
from .common import Category, ChoiceNeeded, Dimension, IndicatorFileError

BUNDLE_CHOICE = "dataset"
# Fields of a dataset that mean the same in both versions.
_KEPT = ("label", "source", "updated", "note", "href", "extension", "link", "error")


def is_jsonstat1(data: dict) -> bool:
    """A v1 bundle or a v1 dataset: no «version», and «dimension» holding «id»."""
    if "version" in data:
        return False
    if _is_v1_dataset(data):
        return True
    datasets = [item for key, item in data.items() if key != "class"]
    return bool(datasets) and all(_is_v1_dataset(item) for item in datasets)


def _is_v1_dataset(item: object) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("dimension"), dict)
        and "id" in item["dimension"]
    )


def from_jsonstat1(data: dict, choices: Mapping[str, str]) -> tuple[dict, str | None]:
    """The dataset as JSON-stat 2, and the label of the dataset chosen from a bundle of several
    (None: the file holds one). ChoiceNeeded if the bundle holds several and none is chosen."""
    if _is_v1_dataset(data):
        return _converted(data), None
    names = [key for key in data if key != "class"]
    chosen = choices.get(BUNDLE_CHOICE)
    if chosen is not None and chosen not in names:
        raise IndicatorFileError(
            [
                _("Filen har ikke noe datasett «%(name)s». Velg et av dem filen har.")
                % {"name": uploads.excerpt(str(chosen))}
            ]
        )
    if chosen is None and len(names) > 1:
        raise ChoiceNeeded([bundle_dimension(data, names)], "json-stat")
    name = chosen or names[0]
    label = _dataset_label(data[name], name) if len(names) > 1 else None
    return _converted(data[name]), label


def bundle_dimension(data: dict, names: list[str]) -> Dimension:
    """The datasets of a bundle as a dimension to choose in."""
    return Dimension(
        id=BUNDLE_CHOICE,
        label=_("Datasett"),
        categories=tuple(Category(code=n, label=_dataset_label(data[n], n)) for n in names),
        role="other",
    )


def _dataset_label(dataset: dict, name: str) -> str:
    label = dataset.get("label")
    text = f"{name}: {label}" if isinstance(label, str) and label else name
    return uploads.excerpt(text, LABEL_CHARS)


def _converted(dataset: dict) -> dict:
    """One v1 dataset as a v2 dataset (the v2 reader checks everything it holds)."""
    dimension = dataset["dimension"]
    ids = dimension.get("id")
    converted: dict = {
        "version": "2.0",
        "class": "dataset",
        "id": ids,
        "size": dimension.get("size"),
        "dimension": {
            key: value for key, value in dimension.items() if key not in ("id", "size", "role")
        },
        "value": dataset.get("value"),
    }
    if "role" in dimension:
        converted["role"] = dimension["role"]
    if "status" in dataset:
        converted["status"] = dataset["status"]
    if "value" not in dataset:
        del converted["value"]
    for key in _KEPT:
        if key in dataset:
            converted[key] = dataset[key]
    return converted
